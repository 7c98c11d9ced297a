// Address families, bridge ports and anti-spoofing in the Plan.
import { describe, expect, it } from "vitest";
import { compile, memberText, type Plan, type PlanSet } from "../../src/compile/index.js";
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

const setsWith = (plan: Plan, member: RegExp) => plan.sets.filter((s) => [...s.v4, ...s.v6].some((m) => member.test(memberText(m))));
const byComment = (plan: Plan, comment: RegExp): { v4: string[]; v6: string[] } => {
  const found: PlanSet[] = plan.sets.filter((s) => comment.test(s.comment));
  expect(found).toHaveLength(1);
  return { v4: found[0]!.v4.map(memberText), v6: found[0]!.v6.map(memberText) };
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
    // The anti-spoofing RETURNs name one address each, so they exist per family.
    const v4 = renderChainRules(plan, 4, "a").filter((l) => !l.includes(" -s "));
    const all6 = renderChainRules(plan, 6, "a").filter((l) => !l.includes(" -s "));
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
    const spoof = plan.chains.find((c) => c.name === "spoof")!;
    expect(spoof.rules.map((r) => [r.match.physdevIn, r.match.inInterface, r.match.srcAddr, r.verdict.kind])).toEqual([
      [undefined, "veth5", "10.99.0.5/32", "return"],
      [undefined, "veth5", undefined, "drop"],
      ["vnet1", undefined, "10.88.0.11/32", "return"],
      ["vnet1", undefined, undefined, "drop"],
      [undefined, undefined, undefined, "drop"],
    ]);
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
    const i = fwd.rules.findIndex((r) => r.verdict.kind === "jump" && r.verdict.chain === "spoof");
    const spoof = plan.chains.find((c) => c.name === "spoof")!;
    const ifaces = [...new Set(spoof.rules.flatMap((r) => (r.match.inInterface ? [r.match.inInterface] : [])))];
    expect(ifaces).toEqual(["veth6", "vethd"]);
    for (const iface of ifaces) {
      const own = spoof.rules.filter((r) => r.match.inInterface === iface);
      expect(own.at(-1)!.verdict.kind).toBe("drop");
      expect(own.slice(0, -1).every((r) => r.verdict.kind === "return" && r.match.srcAddr)).toBe(true);
    }
    expect(spoof.rules.filter((r) => r.match.inInterface === "vethd").map((r) => r.match.srcAddr)).toContain("fd00:4::10/128");
    const last = spoof.rules.at(-1)!;
    expect(last).toMatchObject({ verdict: { kind: "drop" }, match: { sets: [{ dirs: ["src"] }] } });
    const firstAllow = fwd.rules.findIndex((r) => (r.verdict.kind === "jump" || r.verdict.kind === "goto") && r.verdict.chain !== "spoof");
    expect(i).toBeLessThan(firstAllow);
  });
});
