// Issue 7: a --node that is not a node name, or that no workload is on, is exit 2 naming the nodes
// that are; workloads on no node are read by every command, and compiled into sets but not local rules.
import { describe, expect, it } from "vitest";
import { hasControl } from "../../src/model/index.js";
import { APPS, NETWORKS } from "./fixtures.js";
import { run } from "./fake-io.js";

const files = { "networks.yaml": NETWORKS, "apps.yaml": APPS };
const f = ["-f", "networks.yaml", "-f", "apps.yaml"];

describe("compile --node", () => {
  it.each([
    ["agent1", 'warning: --node "agent1": no workload is on this node (did you mean "agent-1"?); the nodes with workloads are agent-1; these rules enforce nothing on it'],
    ["agent-11", 'warning: --node "agent-11": no workload is on this node (did you mean "agent-1"?); the nodes with workloads are agent-1; these rules enforce nothing on it'],
    ["elsewhere", 'warning: --node "elsewhere": no workload is on this node; the nodes with workloads are agent-1; these rules enforce nothing on it'],
  ])("%j no workload is on: the rules, with a warning naming the nodes there are", async (node, line) => {
    const r = await run(["compile", ...f, "--node", node], files);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^# moat plan/);
    expect(r.errLines).toEqual([line]);
  });

  it("'' is no node name: exit 2", async () => {
    const r = await run(["compile", ...f, "--node", ""], files);
    expect(r).toMatchObject({ code: 2, out: "" });
    expect(r.errLines).toEqual(['error: --node "": node name is empty']);
  });

  it("refuses a node name holding a newline and a rule, printing no raw line", async () => {
    const r = await run(["compile", ...f, "--node", "agent-1\n-A FORWARD -j ACCEPT"], files);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.errLines).toHaveLength(1);
    expect(r.errLines[0]).toMatch(/^error: --node "agent-1\\n-A FORWARD -j ACCEPT": node name .* is invalid/);
    expect(hasControl(r.err.slice(0, -1))).toBe(false);
  });
});

const UNPLACED = `
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: it-2}
spec: {network: it, ips: [10.250.0.9]}
`;

describe("a workload on no node", () => {
  const withUnplaced = { ...files, "more.yaml": UNPLACED };
  const g = [...f, "-f", "more.yaml"];

  it("validates, checks and is in the matrix", async () => {
    expect((await run(["validate", ...g], withUnplaced)).out).toBe("valid: 2 networks, 3 workloads, 1 policy in 3 files\n");
    const check = await run(["check", ...g, "--from", "hr-1", "--to", "it-2", "--port", "80"], withUnplaced);
    expect(check.code).toBe(0);
    const matrix = await run(["matrix", ...g, "--port", "80", "-o", "json"], withUnplaced);
    const probes = JSON.parse(matrix.out).probes as { from: string; to: string; allowed: boolean }[];
    expect(probes.find((p) => p.from === "hr-1" && p.to === "it-2")?.allowed).toBe(true);
    expect(probes.find((p) => p.from === "it-2" && p.to === "hr-1")?.allowed).toBe(false);
  });

  it("compile --node puts its address in the sets and no local rule for it", async () => {
    const plan = JSON.parse((await run(["compile", ...g, "--node", "agent-1", "-o", "json"], withUnplaced)).out);
    const members = plan.sets.flatMap((s: { v4: { cidr: string }[] }) => s.v4.map((m) => m.cidr));
    expect(members).toContain("10.250.0.9/32");
    // The rules are those of the model without it, and the set of local workloads does not hold it.
    const base = JSON.parse((await run(["compile", ...f, "--node", "agent-1", "-o", "json"], files)).out);
    expect(plan.chains).toEqual(base.chains);
    type Rule = { comment: string; match: { sets?: { set: string }[] } };
    const localSet = plan.chains[0].rules.find((r: Rule) => r.comment === "egress of local workloads").match.sets[0].set;
    const local = plan.sets.find((s: { name: string }) => s.name === localSet);
    expect(local.v4.map((m: { cidr: string }) => m.cidr)).toEqual(["10.250.0.2/32", "192.168.0.2/32"]);
  });

  it("is no node of its own: --node '' is refused, and a model with only unplaced workloads has no node", async () => {
    const only = { "n.yaml": NETWORKS, "more.yaml": UNPLACED };
    const r = await run(["compile", "-f", "n.yaml", "-f", "more.yaml", "--node", "agent-1"], only);
    expect(r.errLines).toEqual(['warning: --node "agent-1": no workload is on this node; the manifests place no workload on any node; these rules enforce nothing on it']);
  });
});

describe("a pod with no address", () => {
  it("is an info line on stderr and left out; the command still succeeds", async () => {
    const pods = [
      { apiVersion: "v1", kind: "Pod", metadata: { name: "pending", namespace: "x" }, spec: { nodeName: "agent-1" }, status: { phase: "Pending" } },
      { apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: "x" }, spec: { nodeName: "agent-1" }, status: { podIP: "10.9.0.1" } },
    ];
    const r = await run(["matrix", "-f", "p.json", "--port", "80", "-o", "json"], { "p.json": JSON.stringify(pods) });
    expect(r.code).toBe(0);
    expect(r.errLines).toEqual(["info: p.json#1: Pod/x/pending: status.podIP: pod x/pending has no address (status.podIP) and is left out: moat knows a workload by its IP"]);
    expect(JSON.parse(r.out).probes.map((p: { from: string }) => p.from)).toEqual(["x/web"]);
  });
});

describe("pods without spec.nodeName", () => {
  const docs = [
    { apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: "x", labels: { app: "web" } }, status: { podIP: "10.9.0.1" } },
    { apiVersion: "v1", kind: "Pod", metadata: { name: "db", namespace: "x", labels: { app: "db" } }, status: { podIP: "10.9.0.2" } },
    { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "db", namespace: "x" }, spec: { podSelector: { matchLabels: { app: "db" } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: "web" } } }] }] } },
  ];
  const files = { "k.json": JSON.stringify(docs) };

  it("validate, check, matrix and export work on them", async () => {
    expect(await run(["validate", "-f", "k.json"], files)).toMatchObject({ code: 0, err: "" });
    expect((await run(["check", "-f", "k.json", "--from", "x/web", "--to", "x/db", "--port", "5432"], files)).code).toBe(0);
    expect((await run(["check", "-f", "k.json", "--from", "x/db", "--to", "x/db", "--port", "5432"], files)).code).toBe(0);
    expect((await run(["check", "-f", "k.json", "--from", "10.9.0.9", "--to", "x/db", "--port", "5432"], files)).code).toBe(1);
    expect((await run(["matrix", "-f", "k.json", "--port", "5432"], files)).code).toBe(0);
    const exported = await run(["export", "kubernetes", "-f", "k.json"], files);
    expect(exported).toMatchObject({ code: 0, err: "" });
    expect(exported.out).toContain("kind: NetworkPolicy");
  });
});
