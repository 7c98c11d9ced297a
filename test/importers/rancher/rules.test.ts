// Rancher rules beyond the seed: within service, from/to and between selectors (which narrow the
// destination and so get Policies of their own), the order of rules, and Rancher's selector syntax.
import { describe, expect, it } from "vitest";
import { importRancher } from "../../../src/importers/rancher/index.js";
import { translateSelector } from "../../../src/importers/rancher/selector.js";
import { collection, container, grid, modelOf, network } from "./helpers.js";

const run = (policy: unknown, def: unknown, containers: unknown[]) =>
  modelOf(importRancher({ network: { file: "net.json", text: network(policy, def) }, containers: { file: "c.json", text: collection(containers) } }));

describe("Rancher rules", () => {
  it("within service: the containers of one service reach each other, not their stack's other services", () => {
    const model = run([{ within: "service", action: "allow" }], "deny", [
      container("shop/web"),
      container("shop/web#2"),
      container("shop/db"),
      container("blog/web"),
    ]);
    expect(model.workloads.map((w) => w.labels["io.rancher.stack_service.name"])).toEqual(["shop.web", "shop.web", "shop.db", "blog.web"]);
    expect(grid(model, 80)).toEqual(["✓✓✗✗", "✓✓✗✗", "✗✗✓✗", "✗✗✗✓"]);
  });

  it("keeps Rancher's order: a from/to allow before a within-stack deny wins, the reverse direction does not", () => {
    const policy = [
      { from: { selector: "tier=web" }, to: { selector: "tier=db" }, action: "allow" },
      { within: "stack", action: "deny" },
      { between: { groupBy: "team" }, action: "allow" },
    ];
    const model = run(policy, "deny", [
      container("s1/web1", { tier: "web", team: "red" }),
      container("s1/db1", { tier: "db", team: "red" }),
      container("s2/web2", { tier: "web", team: "blue" }),
      container("s2/db2", { tier: "db", team: "red" }),
      container("s3/misc", { team: "blue" }),
    ]);
    // rows: web1 db1 web2 db2 misc, as sources
    expect(grid(model, 80)).toEqual(["✓✓✗✓✗", "✗✓✗✓✗", "✗✓✓✓✓", "✓✓✗✓✗", "✗✗✓✗✓"]);
    expect(model.policies.map((p) => [p.id, p.order, p.selector.text, p.ingress.length])).toEqual([
      ["ipsec-1", 1000, 'tier == "db"', 1],
      ["ipsec-2", 1001, "all()", 3],
    ]);
  });

  it("between with a selector: only selected containers, on both ends, grouped by the label", () => {
    const model = run([{ between: { selector: "env=prod", groupBy: "team" }, action: "allow" }], "deny", [
      container("a/p1", { env: "prod", team: "red" }),
      container("b/p2", { env: "prod", team: "red" }),
      container("a/p3", { env: "prod", team: "blue" }),
      container("a/d1", { env: "dev", team: "red" }),
    ]);
    expect(grid(model, 80)).toEqual(["✓✓✗✗", "✓✓✗✗", "✗✗✓✗", "✗✗✗✓"]);
  });

  it("a deny rule before a default allow; no rules and allow (or null, as the API writes an unset action) let everything through", () => {
    const cs = () => [container("s1/a"), container("s1/b"), container("s2/c")];
    expect(grid(run([{ within: "stack", action: "deny" }], "allow", cs()), 80)).toEqual(["✓✗✓", "✗✓✓", "✓✓✓"]);
    expect(grid(run(null, "allow", cs()), 80)).toEqual(["✓✓✓", "✓✓✓", "✓✓✓"]);
    expect(grid(run([], null, cs()), 80)).toEqual(["✓✓✓", "✓✓✓", "✓✓✓"]);
  });

  it("reads Rancher selectors: != and notin need the label, like Rancher; in and = do not care about the rest", () => {
    const issues: string[] = [];
    const t = (s: string) => translateSelector(s, ["sel"], (_, __, m) => issues.push(m), new Set());
    expect(t("a=b, c!=d,e in (f, g), h notin (i), j")).toBe('a == "b" && has(c) && c != "d" && e in {"f", "g"} && has(h) && h not in {"i"} && has(j)');
    expect(t("io.rancher.stack_service.name==shop/web")).toBe('io.rancher.stack_service.name == "shop.web"');
    expect(issues).toEqual([]);
    const model = run([{ from: { selector: "tier!=db" }, to: { selector: "tier notin (web)" }, action: "allow" }], "deny", [
      container("s/web", { tier: "web" }),
      container("s/db", { tier: "db" }),
      container("s/plain"),
    ]);
    // Sources need a tier other than db (web only); destinations a tier other than web (db only).
    expect(grid(model, 80)).toEqual(["✓✓✗", "✗✓✗", "✗✗✓"]);
  });

  it("turns ports without a protocol into TCP and UDP rules, and leaves a rule without ports on every port", () => {
    const model = run([{ from: { selector: "a" }, to: { selector: "b" }, ports: ["7000", "7001/udp"], action: "allow" }], "deny", [
      container("s/x", { a: "1" }),
      container("s/y", { b: "1" }),
    ]);
    expect(model.policies[0]!.ingress.map((r) => [r.protocol, r.ports])).toEqual([
      ["TCP", [{ kind: "range", start: 7000, end: 7000 }]],
      ["UDP", [{ kind: "range", start: 7000, end: 7000 }, { kind: "range", start: 7001, end: 7001 }]],
    ]);
    expect(grid(model, 7000)).toEqual(["✓✓", "✗✓"]);
    expect(grid(model, 7001)).toEqual(["✓✗", "✗✓"]);
    expect(grid(model, 7001, "UDP")).toEqual(["✓✓", "✗✓"]);
  });

  it("imports the network and its policy without --containers, and the same input prints the same bytes", () => {
    const input = { network: { file: "net.json", text: network([{ within: "stack", action: "allow" }]) } };
    const a = importRancher(input);
    const b = importRancher(input);
    expect(a).toEqual(b);
    const model = modelOf(a);
    expect(model.workloads).toEqual([]);
    expect(model.networks).toEqual([expect.objectContaining({ name: "ipsec", isolation: "none", subnets: [expect.objectContaining({ text: "10.42.0.0/16" })] })]);
  });
});
