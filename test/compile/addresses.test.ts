// Address families, bridge ports and anti-spoofing in the Plan.
import { describe, expect, it } from "vitest";
import { compile, type Plan, type PlanSet } from "../../src/compile/index.js";
import { renderChainRules } from "../../src/render/index.js";
import { model, network, policy, workload } from "../model/manifests.js";

const bridged = (name: string, subnets: string[], bridge: string) => ({ ...network(name, subnets), spec: { subnets, bridge } });

const docs = [
  network("v6net", ["fd00:6::/64"], "network"),
  network("dual", ["10.4.0.0/16", "fd00:4::/64"], "workload"),
  workload("six", { network: "v6net", ips: ["fd00:6::10"], interface: "veth6", labels: { app: "six" } }),
  workload("both", { network: "dual", ips: ["10.4.0.10", "fd00:4::10"], interface: "vethd", labels: { app: "both" } }),
  workload("remote", { network: "dual", ips: ["10.4.0.20", "fd00:4::20"], node: "node-2", labels: { app: "both" } }),
  policy("to-both", { selector: 'app == "both"', ingress: [{ action: "Allow", protocol: "TCP", ports: [80], from: { selector: 'app == "six"' } }] }),
];

const setsWith = (plan: Plan, member: RegExp) => plan.sets.filter((s) => [...s.v4, ...s.v6].some((m) => member.test(m)));
const byComment = (plan: Plan, comment: RegExp): PlanSet => {
  const found = plan.sets.filter((s) => comment.test(s.comment));
  expect(found).toHaveLength(1);
  return found[0]!;
};

describe("address families", () => {
  const plan = compile(model(...docs), "node-1");

  it("puts an IPv6-only workload in the IPv6 half of its sets only", () => {
    expect(setsWith(plan, /^fd00:6::10\//).length).toBeGreaterThan(2);
    expect(byComment(plan, /^workloads of network v6net$/)).toMatchObject({ v4: [], v6: ["fd00:6::10/128"] });
    expect(byComment(plan, /^selector app == "six"$/)).toMatchObject({ v4: [], v6: ["fd00:6::10/128"] });
    expect(byComment(plan, /^workloads on node node-1$/)).toMatchObject({ v4: ["10.4.0.10/32"], v6: ["fd00:4::10/128", "fd00:6::10/128"] });
  });

  it("puts a dual-stack workload in both halves of the same sets", () => {
    const v4 = setsWith(plan, /^10\.4\.0\.10\//).map((s) => s.name);
    const v6 = setsWith(plan, /^fd00:4::10\//).map((s) => s.name);
    expect(v4.length).toBeGreaterThan(2);
    expect(v6).toEqual(v4);
    expect(byComment(plan, /selects app == "both"/)).toMatchObject({ v4: ["10.4.0.10/32", "10.4.0.20/32"], v6: ["fd00:4::10/128", "fd00:4::20/128"] });
  });

  it("renders the same rules for both families, differing only in set suffix, reject type and IPv6 neighbour discovery", () => {
    const v4 = renderChainRules(plan, 4, "a");
    const all6 = renderChainRules(plan, 6, "a");
    const ndp = all6.filter((l) => l.includes("--icmpv6-type"));
    expect(ndp.map((l) => /--icmpv6-type (\d+)/.exec(l)![1])).toEqual(["133", "134", "135", "136"]);
    expect(v4.some((l) => l.includes("icmp6"))).toBe(false);
    const v6 = all6.filter((l) => !ndp.includes(l)).map((l) => l.replace(/-6 /g, "-4 ").replace("icmp6-adm-prohibited", "icmp-admin-prohibited"));
    expect(v6).toEqual(v4);
  });
});

describe("bridge mode", () => {
  const plan = compile(
    model(
      bridged("lan", ["10.88.0.0/24"], "br0"),
      network("routed", ["10.99.0.0/24"]),
      workload("vm-1", { network: "lan", ips: ["10.88.0.11"], interface: "vnet1" }),
      workload("vm-2", { network: "lan", ips: ["10.88.0.12"], interface: "vnet2", node: "node-2" }),
      workload("ct-1", { network: "routed", ips: ["10.99.0.5"], interface: "veth5" }),
    ),
    "node-1",
  );

  it("names a bridged workload's port physdev:<interface> and a routed one's plain", () => {
    expect(byComment(plan, /with their interfaces/).v4).toEqual(["10.88.0.11/32,physdev:vnet1", "10.99.0.5/32,veth5"]);
    expect(byComment(plan, /^interfaces of workloads/).v4).toEqual(["0.0.0.0/1,physdev:vnet1", "0.0.0.0/1,veth5", "128.0.0.0/1,physdev:vnet1", "128.0.0.0/1,veth5"]);
  });

  it("marks the plan bridged only where a local workload is on a bridge", () => {
    expect(plan.bridged).toBe(true);
    expect(compile(model(bridged("lan", ["10.88.0.0/24"], "br0"), workload("vm-2", { network: "lan", ips: ["10.88.0.12"], node: "node-2" })), "node-1").bridged).toBe(false);
    expect(compile(model(...docs), "node-1").bridged).toBe(false);
  });
});

describe("anti-spoofing", () => {
  const plan = compile(model(...docs), "node-1");
  const fwd = plan.chains[0]!;

  it("drops, before any allow, a packet from a workload interface whose source is not that workload's address", () => {
    const ifs = byComment(plan, /^interfaces of workloads/);
    const src = byComment(plan, /with their interfaces/);
    const i = fwd.rules.findIndex((r) => r.verdict.kind === "drop" && r.match.sets?.length === 2);
    expect(fwd.rules[i]!.match.sets).toEqual([
      { set: ifs.name, dirs: ["src", "src"] },
      { set: src.name, dirs: ["src", "src"], negate: true },
    ]);
    const firstAllow = fwd.rules.findIndex((r) => r.verdict.kind === "jump" || (r.verdict.kind === "accept" && !r.match.ctstate && r.match.icmpv6Type === undefined));
    expect(i).toBeLessThan(firstAllow);
    expect(src.v6).toEqual(["fd00:4::10/128,vethd", "fd00:6::10/128,veth6"]);
    expect(ifs.v6).toEqual(["8000::/1,veth6", "8000::/1,vethd", "::/1,veth6", "::/1,vethd"]);
  });
});
