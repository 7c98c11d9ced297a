import { describe, expect, it } from "vitest";
import { buildModel, formatIssue, NO_NODE, type Issue } from "../../src/model/index.js";
import { issues, model, namespace, network, policy, sources, workload } from "./manifests.js";

const net = network("net", ["10.0.0.0/16", "fd00::/64"]);
const web = workload("web", { network: "net", ips: ["10.0.0.5", "fd00::5"], ports: [{ name: "http", port: 80 }] });

/** The one issue with this code; fails the test when there are none or several. */
function only(list: Issue[], code: string): Issue {
  const found = list.filter((i) => i.code === code);
  expect(found, `issues with code ${code} in:\n${list.map(formatIssue).join("\n")}`).toHaveLength(1);
  return found[0]!;
}

const ingressPolicy = (rule: Record<string, unknown>) => policy("p", { selector: "all()", ingress: [rule] });
const egressPolicy = (rule: Record<string, unknown>) => policy("p", { selector: "all()", types: ["Egress"], egress: [rule] });

describe("a valid model", () => {
  it("keeps labels, adds the pseudo-labels, and names namespaced resources namespace/name", () => {
    const m = model(net, workload("api", { network: "net", namespace: "shop", node: "n2", ips: ["10.0.0.9"], labels: { app: "api" } }));
    expect(m.workloads[0]).toMatchObject({
      id: "shop/api",
      name: "api",
      namespace: "shop",
      labels: { app: "api", "moat.dev/name": "api", "moat.dev/network": "net", "moat.dev/node": "n2", "moat.dev/namespace": "shop" },
    });
  });

  it("defaults: isolation none, deny action Reject, policy order 1000 over all() for Ingress only", () => {
    const m = model(net, web, policy("p", { ingress: [{ action: "Allow" }] }));
    expect(m.networks[0]!.isolation).toBe("none");
    expect(m.settings.denyAction).toBe("Reject");
    expect(m.policies[0]).toMatchObject({ order: 1000, selector: { text: "all()" }, types: ["Ingress"] });
  });

  it("a policy with egress rules and no types applies both ways, as in Kubernetes", () => {
    const m = model(net, web, policy("p", { egress: [{ action: "Allow" }] }));
    expect(m.policies[0]!.types).toEqual(["Ingress", "Egress"]);
  });

  it("sorts policies by (order, name), whatever their document order or namespace", () => {
    const m = model(
      net,
      policy("zeta", { order: 10 }),
      policy("beta", { order: 20 }),
      policy("mid", { order: 10 }),
      policy("zeta", { order: 10 }, { namespace: "aaa" }),
      policy("alpha", { order: 20 }),
      policy("gamma", { order: 5.5 }),
    );
    // By name, not by namespace/name: "mid" comes before "aaa/zeta"; one name in two namespaces by namespace.
    expect(m.policies.map((p) => p.id)).toEqual(["gamma", "mid", "aaa/zeta", "zeta", "alpha", "beta"]);
  });

  it("takes 192.168.0.0 as a workload address in a /24, as Calico's IPAM hands it out", () => {
    const m = model(network("n1", ["192.168.0.0/24"]), workload("w", { network: "n1", ips: ["192.168.0.0"] }));
    expect(m.workloads[0]!.ips[0]!.text).toBe("192.168.0.0");
  });
});

describe("validation issues name the file, document, resource, field path and value", () => {
  it("a malformed CIDR such as 192.168.0.0./16", () => {
    const i = only(issues(net, network("hr", ["192.168.0.0./16"])), "invalid-cidr");
    expect(i).toMatchObject({ file: "test.yaml", document: 1, resource: "Network/hr", path: ["spec", "subnets", 0] });
    expect(i.message).toContain('"192.168.0.0./16"');
    expect(formatIssue(i)).toMatch(/^test\.yaml#2: Network\/hr: spec\.subnets\[0\]: .*192\.168\.0\.0\.\/16/);
  });

  it("a malformed CIDR in a peer, IPv4 and IPv6", () => {
    const list = issues(net, web, ingressPolicy({ action: "Allow", from: { cidrs: ["10.0.0.0/8", "10.0.0.0/40"], notCidrs: ["fd00::/200"] } }));
    const cidrIssues = list.filter((i) => i.code === "invalid-cidr");
    expect(cidrIssues.map((i) => i.path)).toEqual([
      ["spec", "ingress", 0, "from", "cidrs", 1],
      ["spec", "ingress", 0, "from", "notCidrs", 0],
    ]);
    expect(cidrIssues[0]!.message).toContain('"10.0.0.0/40"');
    expect(cidrIssues[1]!.message).toContain('"fd00::/200"');
  });

  it("a subnet with host bits set, with the fix suggested, IPv4 and IPv6", () => {
    const list = issues(network("a", ["10.0.0.1/8"]), network("b", ["fd00::1/64"]));
    const [v4, v6] = list.filter((i) => i.code === "invalid-cidr");
    expect(v4).toMatchObject({ resource: "Network/a", path: ["spec", "subnets", 0] });
    expect(v4!.message).toContain('"10.0.0.1/8" has host bits set; did you mean "10.0.0.0/8"?');
    expect(v6!.message).toContain('did you mean "fd00::/64"?');
  });

  it("a workload address outside its network's subnets, IPv4 and IPv6", () => {
    const list = issues(net, workload("w", { network: "net", ips: ["10.1.0.1", "fd01::1"] }));
    const outside = list.filter((i) => i.code === "ip-outside-network");
    expect(outside.map((i) => i.path)).toEqual([
      ["spec", "ips", 0],
      ["spec", "ips", 1],
    ]);
    expect(outside[0]!.message).toMatch(/"10\.1\.0\.1" is outside network "net"/);
    expect(outside[1]!.message).toMatch(/"fd01::1" is outside network "net"/);
  });

  it("a workload address that is not an address", () => {
    const i = only(issues(net, workload("w", { network: "net", ips: ["10.0.0.300"] })), "invalid-ip");
    expect(i).toMatchObject({ path: ["spec", "ips", 0] });
    expect(i.message).toContain('"10.0.0.300"');
  });

  it("a reference to a network that does not exist, from a workload and from a peer", () => {
    const list = issues(net, workload("w", { network: "nett", ips: ["10.0.0.1"] }), ingressPolicy({ action: "Allow", from: { networks: ["net", "ghost"] } }));
    const unknown = list.filter((i) => i.code === "unknown-network");
    expect(unknown.map((i) => [i.resource, i.path])).toEqual([
      ["Workload/w", ["spec", "network"]],
      ["Policy/p", ["spec", "ingress", 0, "from", "networks", 1]],
    ]);
    expect(unknown[0]!.message).toContain('"nett"');
    expect(unknown[1]!.message).toContain('"ghost"');
  });

  it("two resources of one kind with one name, naming where the first is", () => {
    const i = only(issues(net, web, network("net", ["10.9.0.0/16"])), "duplicate");
    expect(i).toMatchObject({ document: 2, resource: "Network/net", path: ["metadata", "name"] });
    expect(i.message).toContain('"net"');
    expect(i.message).toContain("test.yaml#1");
  });

  it("one name for resources of different kinds, or for workloads of different namespaces, is fine", () => {
    const m = model(
      net,
      workload("net", { network: "net", ips: ["10.0.0.1"] }),
      workload("api", { network: "net", namespace: "a", ips: ["10.0.0.2"] }),
      workload("api", { network: "net", namespace: "b", ips: ["10.0.0.3"] }),
    );
    expect(m.workloads.map((w) => w.id)).toEqual(["net", "a/api", "b/api"]);
  });

  it("a name starting with the reserved moat, in any case and any kind", () => {
    const list = issues(network("moat-net", ["10.0.0.0/16"]), workload("Moatish", { network: "moat-net", ips: ["10.0.0.1"] }), policy("moat", {}));
    const reserved = list.filter((i) => i.code === "invalid-name");
    expect(reserved.map((i) => i.resource)).toEqual(["Network/moat-net", "Workload/Moatish", "Policy/moat"]);
    for (const i of reserved) {
      expect(i.path).toEqual(["metadata", "name"]);
      expect(i.message).toMatch(/reserved/);
    }
  });

  it("a namespace name that is reserved or malformed", () => {
    const i = only(issues(net, workload("w", { network: "net", namespace: "moat-system", ips: ["10.0.0.1"] })), "invalid-name");
    expect(i.path).toEqual(["metadata", "namespace"]);
    expect(i.message).toContain('"moat-system"');
  });

  it.each([
    ["a key with a space", { "my app": "web" }, "my app"],
    ["a key with a quote", { 'app"': "web" }, 'app"'],
    ["a key with a control character", { "app\u0007": "web" }, "app\u0007"],
    ["a key with an upper-case prefix", { "Example.com/app": "web" }, "Example.com/app"],
    ["a value with a space", { app: "web server" }, "app"],
    ["a value with a quote", { app: "web'" }, "app"],
    ["a value with a newline", { app: "web\n" }, "app"],
    ["a value of 64 characters", { app: "a".repeat(64) }, "app"],
  ])("a label Kubernetes would refuse: %s", (_, labels, key) => {
    const i = only(issues(net, workload("w", { network: "net", ips: ["10.0.0.1"], labels })), "invalid-label");
    expect(i.path).toEqual(["metadata", "labels", key]);
    const value = Object.values(labels)[0]!;
    // The offending text appears escaped, so a control character cannot garble the terminal.
    expect(i.message.includes(JSON.stringify(key)) || i.message.includes(JSON.stringify(value))).toBe(true);
    expect(i.message).not.toMatch(/[\u0000-\u001f]/);
  });

  it("labels Kubernetes accepts are fine: prefixed keys, dots, dashes, underscores, empty values", () => {
    const labels = { "cloudfoundry.org/app-guid": "2f978b7f-b3d2", "com.rancher.department": "qa", tier_1: "", "a.b-c_d": "X.y-z_0" };
    expect(model(net, workload("w", { network: "net", ips: ["10.0.0.1"], labels })).workloads[0]!.labels).toMatchObject(labels);
  });

  it("a label under moat.dev/, which moat sets itself", () => {
    const i = only(issues(net, workload("w", { network: "net", ips: ["10.0.0.1"], labels: { "moat.dev/network": "other" } })), "reserved-label");
    expect(i.message).toContain('"moat.dev/network"');
  });

  it("a selector syntax error, with the column, in the policy's selector and in a peer", () => {
    const list = issues(net, web, policy("p", { selector: 'app == "web" &&', ingress: [{ action: "Allow", from: { selector: "tier = 'db'" } }] }));
    const bad = list.filter((i) => i.code === "invalid-selector");
    expect(bad.map((i) => i.path)).toEqual([
      ["spec", "selector"],
      ["spec", "ingress", 0, "from", "selector"],
    ]);
    expect(bad[0]!.message).toContain(`selector ${JSON.stringify('app == "web" &&')} has a syntax error at column 16`);
    expect(bad[1]!.message).toContain('"tier = \'db\'" has a syntax error at column 6');
  });

  it("a sameLabels key Kubernetes would refuse", () => {
    const i = only(issues(net, web, ingressPolicy({ action: "Allow", from: { sameLabels: ["ok", "not ok"] } })), "invalid-label");
    expect(i.path).toEqual(["spec", "ingress", 0, "from", "sameLabels", 1]);
    expect(i.message).toContain('"not ok"');
  });

  it("a port outside 1..65535, as a number, a string or in a range", () => {
    const list = issues(net, web, ingressPolicy({ action: "Allow", protocol: "TCP", ports: [0, 65536, "70000", "80:65536", 80.5, -1, 443] }));
    const bad = list.filter((i) => i.code === "invalid-port");
    expect(bad.map((i) => i.path.at(-1))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(bad[0]!.message).toContain("0");
    expect(bad[1]!.message).toContain("65536");
    expect(bad[2]!.message).toContain('"70000"');
    expect(bad[3]!.message).toContain('"80:65536"');
    for (const i of bad.slice(0, 4)) expect(i.message).toContain("1..65535");
    expect(bad[4]!.message).toBe("port 80.5 is not a whole number in 1..65535");
    expect(bad[5]!.message).toBe("port -1 is outside 1..65535");
  });

  it("a range whose start exceeds its end, even by one; a range of one port is fine", () => {
    const i = only(issues(net, web, ingressPolicy({ action: "Allow", protocol: "UDP", ports: ["80:80", "9000:8000"] })), "invalid-port");
    expect(i.path).toEqual(["spec", "ingress", 0, "ports", 1]);
    expect(i.message).toContain('"9000:8000"');
    expect(only(issues(net, web, ingressPolicy({ action: "Allow", protocol: "UDP", ports: ["81:80"] })), "invalid-port").message).toContain('"81:80"');
    expect(model(net, web, ingressPolicy({ action: "Allow", protocol: "UDP", ports: ["80:80"] })).policies[0]!.ingress[0]!.ports).toEqual([{ kind: "range", start: 80, end: 80 }]);
  });

  it("a port entry that is neither number, range nor name", () => {
    const i = only(issues(net, web, ingressPolicy({ action: "Allow", protocol: "TCP", ports: ["80-90"] })), "invalid-port");
    expect(i.message).toContain('"80-90"');
  });

  it("a workload's declared port outside 1..65535", () => {
    const i = only(issues(net, workload("w", { network: "net", ips: ["10.0.0.1"], ports: [{ name: "web", port: 70000 }] })), "invalid-port");
    expect(i.path).toEqual(["spec", "ports", 0, "port"]);
    expect(i.message).toContain("70000");
  });

  it("a named port that no workload defines, or defines only for another protocol", () => {
    const list = issues(net, web, ingressPolicy({ action: "Allow", protocol: "TCP", ports: ["http", "metrics"] }));
    const i = only(list, "unknown-port-name");
    expect(i.path).toEqual(["spec", "ingress", 0, "ports", 1]);
    expect(i.message).toContain('"metrics"');
    const udp = only(issues(net, web, ingressPolicy({ action: "Allow", protocol: "UDP", ports: ["http"] })), "unknown-port-name");
    expect(udp.message).toContain('"http" (UDP)');
  });

  it("ports without a protocol that has ports", () => {
    expect(only(issues(net, web, ingressPolicy({ action: "Allow", ports: [80] })), "ports-need-protocol").path).toEqual(["spec", "ingress", 0, "ports"]);
    expect(only(issues(net, web, ingressPolicy({ action: "Allow", protocol: "ICMP", ports: [80] })), "ports-need-protocol").message).toContain('"ICMP"');
  });

  it("an unknown field, such as a misspelled spce, with a hint", () => {
    const doc = { apiVersion: "moat.dev/v1", kind: "Network", metadata: { name: "n" }, spce: { subnets: ["10.0.0.0/8"] } };
    const list = issues(doc);
    const i = only(list, "unknown-field");
    expect(i).toMatchObject({ path: ["spce"], resource: "Network/n" });
    expect(i.message).toBe('unknown field "spce" (did you mean "spec"?)');
    expect(only(list, "required").path).toEqual(["spec"]);
  });

  it("an unknown field deep inside a rule's peer", () => {
    const i = only(issues(net, web, ingressPolicy({ action: "Allow", from: { selectr: "all()" } })), "unknown-field");
    expect(i.path).toEqual(["spec", "ingress", 0, "from", "selectr"]);
    expect(i.message).toContain('did you mean "selector"');
  });

  it("an action or a protocol that does not exist", () => {
    const list = issues(net, web, ingressPolicy({ action: "Alow", protocol: "HTTP" }));
    const bad = list.filter((i) => i.code === "invalid-value");
    expect(bad.map((i) => i.path)).toEqual(
      expect.arrayContaining([
        ["spec", "ingress", 0, "action"],
        ["spec", "ingress", 0, "protocol"],
      ]),
    );
    expect(bad.find((i) => i.path.at(-1) === "action")!.message).toMatch(/"Alow" is not valid; expected .*"Allow"/);
    expect(bad.find((i) => i.path.at(-1) === "protocol")!.message).toMatch(/"HTTP" is not valid; expected .*"TCP"/);
  });

  it("an isolation that does not exist", () => {
    const i = only(issues(network("n", ["10.0.0.0/8"], "strict" as "none")), "invalid-value");
    expect(i.path).toEqual(["spec", "isolation"]);
    expect(i.message).toContain('"strict"');
  });

  it("`from` in an egress rule and `to` in an ingress rule", () => {
    const e = only(issues(net, web, egressPolicy({ action: "Allow", from: { selector: "all()" } })), "unknown-field");
    expect(e.path).toEqual(["spec", "egress", 0, "from"]);
    expect(e.message).toContain('egress rules name their peer with "to"');
    const i = only(issues(net, web, ingressPolicy({ action: "Allow", to: { selector: "all()" } })), "unknown-field");
    expect(i.path).toEqual(["spec", "ingress", 0, "to"]);
    expect(i.message).toContain('ingress rules name their peer with "from"');
  });

  it("an unknown apiVersion or kind, and a document that is not an object", () => {
    const list = issues({ apiVersion: "v1", kind: "Network" }, { apiVersion: "moat.dev/v1", kind: "Netwrok" }, "just text");
    expect(list.map((i) => [i.code, i.document])).toEqual([
      ["unknown-api-version", 0],
      ["unknown-kind", 1],
      ["invalid-document", 2],
    ]);
    expect(list[1]!.message).toContain('"Netwrok"');
  });

  it("a required field that is missing, and a field of the wrong type", () => {
    const list = issues({ apiVersion: "moat.dev/v1", kind: "Workload", metadata: { name: "w" }, spec: { node: "n", ips: "10.0.0.1" } }, net);
    expect(only(list, "required").path).toEqual(["spec", "network"]);
    const wrong = only(list, "invalid-type");
    expect(wrong.path).toEqual(["spec", "ips"]);
    expect(wrong.message).toContain('"10.0.0.1"');
  });

  it("subnets that overlap, within a network or across two", () => {
    const list = issues(network("a", ["10.0.0.0/16", "10.0.1.0/24"]), network("b", ["10.0.0.0/8"]));
    const overlaps = list.filter((i) => i.code === "overlapping-subnet");
    expect(overlaps.map((i) => [i.resource, i.path.at(-1)])).toEqual([
      ["Network/a", 1],
      ["Network/b", 0],
      ["Network/b", 0],
    ]);
  });

  it("one address for two workloads", () => {
    const i = only(issues(net, web, workload("other", { network: "net", ips: ["fd00::5"] })), "duplicate-ip");
    expect(i).toMatchObject({ resource: "Workload/other", path: ["spec", "ips", 0] });
    expect(i.message).toContain('"web"');
  });

  it("Settings named anything but default", () => {
    const i = only(issues({ apiVersion: "moat.dev/v1", kind: "Settings", metadata: { name: "mine" }, spec: {} }), "invalid-name");
    expect(i.message).toContain('"mine"');
  });
});

describe("validation gathers every issue", () => {
  it("reports every problem of every document and file in one pass", () => {
    const docs = [
      ...sources([network("hr", ["192.168.0.0./16"]), workload("a", { network: "nope", ips: ["10.0.0.1"] })], "one.yaml"),
      ...sources([policy("moat-p", { selector: "app ==", ingress: [{ action: "Allow", protocol: "TCP", ports: [0] }] }), { apiVersion: "moat.dev/v1", kind: "Network", metadata: { name: "x" }, spce: {} }], "two.yaml"),
    ];
    const r = buildModel(docs);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const seen = r.issues.map((i) => `${i.file}#${i.document} ${i.code}`).sort();
    expect(seen).toEqual(
      [
        "one.yaml#0 invalid-cidr",
        "one.yaml#1 unknown-network",
        "two.yaml#0 invalid-name",
        "two.yaml#0 invalid-selector",
        "two.yaml#0 invalid-port",
        "two.yaml#1 unknown-field",
        "two.yaml#1 required",
      ].sort(),
    );
  });

  it("lists issues file by file and document by document, whichever stage found them", () => {
    const r = buildModel([
      ...sources([workload("a", { network: "nope", ips: ["10.0.0.1"] }), { apiVersion: "moat.dev/v1", kind: "Policy", metadata: { name: "p" }, spec: { order: "first" } }], "b.yaml"),
      ...sources([network("n", ["10.0.0.1/8"]), policy("q", { selector: "app ==" })], "a.yaml"),
    ]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => `${i.file}#${i.document} ${i.code}`)).toEqual(["b.yaml#0 unknown-network", "b.yaml#1 invalid-type", "a.yaml#0 invalid-cidr", "a.yaml#1 invalid-selector"]);
  });

  it("does not pile follow-on issues onto a network whose subnet is malformed", () => {
    const list = issues(network("hr", ["192.168.0.0./16"]), workload("a", { network: "hr", ips: ["192.168.0.1"] }));
    expect(list.map((i) => i.code)).toEqual(["invalid-cidr"]);
  });

  it("does not call a network missing when its document is present but invalid", () => {
    const list = issues(network("hr", ["192.168.0.0/16"], "nonee" as "none"), workload("a", { network: "hr", ips: ["192.168.0.1"] }));
    expect(list.map((i) => i.code)).toEqual(["invalid-value"]);
  });
});

describe("spec.node (issue 7)", () => {
  const net = { apiVersion: "moat.dev/v1", kind: "Network", metadata: { name: "net" }, spec: { subnets: ["10.0.0.0/8"] } };
  const workload = (spec: Record<string, unknown>) => ({ apiVersion: "moat.dev/v1", kind: "Workload", metadata: { name: "w" }, spec: { network: "net", ips: ["10.0.0.1"], ...spec } });
  const build = (spec: Record<string, unknown>) => buildModel([net, workload(spec)].map((doc, index) => ({ file: "f", index, doc })));

  it.each([
    ["empty", ""],
    ["upper case", "Agent-1"],
    ["a newline and a rule", "agent-1\n-A FORWARD -j ACCEPT"],
    ["an escape", "agent\x1b[2J"],
    ["a space", "agent 1"],
    ["an underscore", "agent_1"],
    ["a leading dash", "-agent"],
    ["a trailing dot", "agent."],
    ["254 characters", "a".repeat(254)],
    ["a slash", "a/b"],
  ])("refuses a node name that is %s", (_, node) => {
    const r = build({ node });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => [i.code, i.path.join(".")])).toEqual([["invalid-node", "spec.node"]]);
  });

  it.each(["agent-1", "node.example.com", "1h1", "a".repeat(63)])("accepts %s", (node) => {
    const r = build({ node });
    expect(r.ok && r.value.workloads[0]!.labels["moat.dev/node"]).toBe(node);
  });

  it("a workload without spec.node is on no node, without the moat.dev/node label", () => {
    const r = build({});
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.workloads[0]!.node).toBe(NO_NODE);
      expect(r.value.workloads[0]!.labels).not.toHaveProperty("moat.dev/node");
    }
  });
});
