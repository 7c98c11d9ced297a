// DESIGN.md: rules grow with policies, never with workloads; a new workload changes set members only.
// The one exception is the anti-spoofing chain: one rule per local workload interface, on its own node.
import { describe, expect, it } from "vitest";
import { compile, memberText, type Plan } from "../../src/compile/index.js";
import { model } from "../model/manifests.js";
import { infraDocs, policyDocs, scaledDocs, workloadDocs } from "./fixtures.js";

const withoutSpoof = (p: Plan) => p.chains.filter((c) => c.name !== "spoof");
const shape = (p: Plan) => ({ chains: withoutSpoof(p), hooks: p.hooks, bridged: p.bridged, sets: p.sets.map((s) => [s.name, s.kind, s.comment]) });
const members = (p: Plan) => Object.fromEntries(p.sets.map((s) => [s.name, [...s.v4, ...s.v6].map(memberText)]));

describe("compile scales with policies, not workloads", () => {
  it.each([6, 30])("N = %i and 10N workloads give the same chains, rules and sets; only members differ", (n) => {
    for (const node of ["node-1", "node-2"]) {
      const small = compile(model(...scaledDocs(n)), node);
      const large = compile(model(...scaledDocs(10 * n)), node);
      expect(shape(large)).toEqual(shape(small));
      const local = (w: number) => compile(model(...scaledDocs(w)), node).chains.find((c) => c.name === "spoof")!.rules.length;
      expect(local(10 * n)).toBeGreaterThan(local(n));
      const grown = Object.keys(members(small)).filter((s) => members(large)[s]!.length > members(small)[s]!.length);
      expect(grown.length).toBeGreaterThan(10);
    }
  });

  it("a new workload (with label values already in use) adds its addresses to sets and changes nothing else", () => {
    const before = compile(model(...scaledDocs(12)), "node-1");
    const [extra] = workloadDocs(1, 12) as [{ spec: { ips: string[]; interface: string; node: string } }];
    const after = compile(model(...scaledDocs(12), extra), "node-1");
    expect(shape(after)).toEqual(shape(before));
    const spoofRules = (p: Plan) => p.chains.find((c) => c.name === "spoof")!.rules;
    const added = spoofRules(after).filter((r) => !spoofRules(before).some((o) => JSON.stringify(o) === JSON.stringify(r)));
    // On its own node: one RETURN per address and one DROP for its interface.
    expect(added.map((r) => r.match.inInterface ?? r.match.physdevIn)).toEqual(extra.spec.node === "node-1" ? Array(extra.spec.ips.length + 1).fill(extra.spec.interface) : []);
    const ips = extra.spec.ips;
    const mentions = (m: string) => ips.some((ip) => m.startsWith(`${ip}/`));
    let changed = 0;
    for (const [name, old] of Object.entries(members(before))) {
      const now = members(after)[name]!;
      expect(now.filter((m) => !mentions(m)).sort()).toEqual([...old].sort());
      if (now.length !== old.length) changed++;
    }
    expect(changed).toBeGreaterThan(3);
  });

  it("every set and rule is the same whichever node compiles, apart from the node's own local sets", () => {
    const docs = [...infraDocs, ...workloadDocs(24), ...policyDocs];
    const [a, b] = ["node-1", "node-2"].map((n) => compile(model(...docs), n)) as [Plan, Plan];
    const shared = (p: Plan) => p.sets.filter((s) => !s.comment.includes("node-"));
    expect(shared(a)).toEqual(shared(b));
    expect(withoutSpoof(a).slice(1).map((c) => c.rules.length)).toEqual(withoutSpoof(b).slice(1).map((c) => c.rules.length));
  });
});
