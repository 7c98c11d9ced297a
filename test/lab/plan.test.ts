// The lab's plan and commands, without root: names, addresses, routes, and the errors for specs it cannot build.
import { describe, expect, it } from "vitest";
import { cidrContains, parseCidr, parseIp, type Cidr, type Ip, type Workload } from "../../src/model/index.js";
import { planLab, withLabInterfaces, type LabPlan, type LabSpec } from "../../src/lab/index.js";
import { nodeBatch, namespacesOf, workloadBatch } from "../../src/lab/commands.js";
import { labModel, labSpec } from "./fixture.js";

const ip = (t: string): Ip => {
  const p = parseIp(t);
  if (!p.ok) throw new Error(p.message);
  return p.value;
};
const cidr = (t: string): Cidr => {
  const p = parseCidr(t);
  if (!p.ok) throw new Error(p.message);
  return p.value;
};
const wl = (id: string, node: string, network: string, ips: string[], iface?: string): Workload => ({
  id, name: id, labels: {}, node, network, ips: ips.map(ip), ports: [], ...(iface ? { interface: iface } : {}),
});

function plan(spec: LabSpec, prefix = "mtlt-"): LabPlan {
  const r = planLab(spec, prefix);
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join("\n"));
  return r.value;
}

function issues(spec: LabSpec, prefix = "mtlt-") {
  const r = planLab(spec, prefix);
  if (r.ok) throw new Error("expected the plan to fail");
  return r.issues;
}

describe("withLabInterfaces", () => {
  it("names only the workloads without an interface, lw<index>, and leaves the input alone", () => {
    const model = { workloads: [wl("a", "n1", "x", ["10.0.0.1"], "tap-a"), wl("b", "n1", "x", ["10.0.0.2"]), wl("c", "n2", "x", ["10.0.0.3"])] };
    const out = withLabInterfaces(model);
    expect(out.workloads.map((w) => w.interface)).toEqual(["tap-a", "lw1", "lw2"]);
    expect(model.workloads[1]!.interface).toBeUndefined();
    expect(withLabInterfaces(model)).toEqual(out);
  });

  it("never takes a name that a workload on the same node already has", () => {
    const model = { workloads: [wl("a", "n1", "x", ["10.0.0.1"]), wl("b", "n1", "x", ["10.0.0.2"], "lw0"), wl("c", "n2", "x", ["10.0.0.3"], "lw0")] };
    const names = withLabInterfaces(model).workloads.map((w) => w.interface!);
    expect(names[0]).not.toBe("lw0");
    expect(names[0]!.startsWith("lw0")).toBe(true);
    expect(names.every((n) => n.length <= 15)).toBe(true);
  });
});

describe("planLab", () => {
  const spec = labSpec();
  const p = plan(spec, "mtlab-");

  it("gives every namespace the prefix, one per node, per workload and the fabric", () => {
    const names = namespacesOf(p);
    expect(names).toHaveLength(1 + 2 + spec.workloads.length);
    expect(new Set(names).size).toBe(names.length);
    expect(names.every((n) => n.startsWith("mtlab-"))).toBe(true);
    expect(p.nodes.map((n) => n.name)).toEqual(["node-a", "node-b"]);
  });

  it("routes a routed workload's /32 and /128 via its interface, with a link-local gateway", () => {
    const r1 = p.workloads.find((w) => w.id === "r1")!;
    expect(r1.mode).toBe("routed");
    expect(r1.hostInterface).toBe("vr1");
    expect(r1.addresses).toEqual([{ ip: "10.61.0.1", family: 4, prefix: 32 }, { ip: "fd61::1", family: 6, prefix: 128 }]);
    expect(r1.gateways).toEqual({ 4: "169.254.1.1", 6: "fe80::1" });
    const batch = nodeBatch(p, p.nodes[0]!);
    expect(batch).toContain("route add 10.61.0.1/32 dev vr1\n");
    expect(batch).toContain("route add fd61::1/128 dev vr1\n");
  });

  it("puts bridged workloads in their subnet behind the highest free address of it", () => {
    const f1 = p.workloads.find((w) => w.id === "f1")!;
    expect(f1.mode).toBe("bridged");
    expect(f1.addresses).toEqual([{ ip: "10.62.0.1", family: 4, prefix: 24 }, { ip: "fd62::1", family: 6, prefix: 64 }]);
    expect(f1.gateways).toEqual({ 4: "10.62.0.254", 6: "fd62::ffff:ffff:ffff:ffff" });
    const bridge = p.nodes[0]!.bridges[0]!;
    expect(bridge.addresses.map((a) => a.ip)).toEqual(["10.62.0.254", "fd62::ffff:ffff:ffff:ffff"]);
    expect(nodeBatch(p, p.nodes[0]!)).toContain(`link set vf1 master ${bridge.name}\n`);
    expect(workloadBatch(f1)).toContain("route add 0.0.0.0/0 via 10.62.0.254 dev eth0\n");
  });

  it("skips a gateway address that a workload already uses", () => {
    const s: LabSpec = {
      networks: [{ name: "flat", subnets: [cidr("10.5.0.0/24")], bridge: "br0" }],
      workloads: [wl("a", "n1", "flat", ["10.5.0.254"], "va"), wl("b", "n1", "flat", ["10.5.0.253"], "vb")],
    };
    expect(plan(s).workloads[0]!.gateways[4]).toBe("10.5.0.252");
  });

  it("routes every other node's workloads via that node's fabric address, and proxies their bridged IPv6", () => {
    const [a, b] = p.nodes;
    const remote = p.workloads.filter((w) => w.node === "node-b").flatMap((w) => w.ips.map((i) => i.text));
    expect(a!.remoteRoutes.map((r) => r.dst.split("/")[0]).sort()).toEqual(remote.sort());
    expect(new Set(a!.remoteRoutes.map((r) => r.via))).toEqual(new Set([b!.fabric[4].ip, b!.fabric[6].ip]));
    expect(a!.bridges[0]!.proxyNdp).toEqual(["fd62::3"]);
    expect(b!.bridges[0]!.proxyNdp.sort()).toEqual(["fd62::1", "fd62::2"]);
  });

  it("keeps every address it picks out of the workloads' addresses", () => {
    const used = new Set(spec.workloads.flatMap((w) => w.ips.map((i) => i.text)));
    const picked = p.nodes.flatMap((n) => [n.fabric[4].ip, n.fabric[6].ip, ...n.bridges.flatMap((b) => b.addresses.map((a) => a.ip))]);
    expect(picked.filter((x) => used.has(x))).toEqual([]);
    for (const b of p.nodes.flatMap((n) => n.bridges)) {
      for (const a of b.addresses) expect(spec.networks[1]!.subnets.some((c) => cidrContains(c, ip(a.ip)))).toBe(true);
    }
  });
});

describe("planLab refuses what it cannot build, naming the workload and field", () => {
  it("a workload without an interface, pointing at withLabInterfaces", () => {
    const model = labModel();
    const bare = { ...model, workloads: model.workloads.map((w, i) => (i === 2 ? { ...w, interface: undefined } : w)) } as LabSpec;
    const [issue] = issues(bare);
    expect(issue).toMatchObject({ code: "missing-interface", path: ["workloads", 2, "interface"], resource: "Workload/r3" });
    expect(issue!.message).toContain("withLabInterfaces");
  });

  it("interfaces that are too long, taken twice on a node, or names the lab uses", () => {
    const s: LabSpec = {
      networks: [{ name: "n", subnets: [cidr("10.0.0.0/24")], bridge: "br0" }, { name: "r", subnets: [cidr("10.1.0.0/24")] }],
      workloads: [
        wl("a", "n1", "r", ["10.1.0.1"], "a-very-long-name0"),
        wl("b", "n1", "r", ["10.1.0.2"], "same"),
        wl("c", "n1", "r", ["10.1.0.3"], "same"),
        wl("d", "n1", "n", ["10.0.0.4"], "fab0"),
        wl("e", "n1", "n", ["10.0.0.5"], "br0"),
      ],
    };
    expect(issues(s).map((i) => [i.code, i.resource])).toEqual([
      ["invalid-interface", "Workload/a"],
      ["duplicate-interface", "Workload/c"],
      ["reserved-interface", "Workload/d"],
      ["reserved-interface", "Workload/e"],
    ]);
  });

  it("addresses in the lab's own ranges, bridged addresses outside the subnets, bad prefixes and unknown networks", () => {
    const s: LabSpec = {
      networks: [{ name: "n", subnets: [cidr("10.0.0.0/24")] }],
      workloads: [wl("a", "n1", "n", ["169.254.253.7"], "va"), wl("b", "n1", "n", ["10.9.0.1"], "vb"), wl("c", "n1", "nope", ["10.0.0.3"], "vc")],
      bridged: ["n", "ghost"],
    };
    expect(issues(s, "Bad_Prefix").map((i) => i.code)).toEqual([
      "invalid-prefix",
      "unknown-network",
      "reserved-address",
      "outside-subnets",
      "outside-subnets",
      "unknown-network",
    ]);
  });

  it("a bridged subnet with no room for a gateway", () => {
    const s: LabSpec = { networks: [{ name: "n", subnets: [cidr("10.0.0.0/31")], bridge: "br0" }], workloads: [wl("a", "n1", "n", ["10.0.0.0"], "va")] };
    expect(issues(s).map((i) => i.code)).toContain("no-gateway");
  });
});
