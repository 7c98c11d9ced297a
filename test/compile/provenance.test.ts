// Every rule that enforces a policy rule says which one (policy, stage, index): explain, counters and
// log prefixes depend on it.
import { describe, expect, it } from "vitest";
import { compile, type PlanRule } from "../../src/compile/index.js";
import type { Model, Rule } from "../../src/model/index.js";
import { model } from "../model/manifests.js";
import { scaledDocs } from "./fixtures.js";

const m: Model = model(...scaledDocs(24));
const plan = compile(m, "node-1");
const policyChains = plan.chains.filter((c) => /^p[ei]-/.test(c.name));

function source(rule: PlanRule): Rule {
  const o = rule.origin!;
  const p = m.policies.find((x) => x.id === o.policy);
  expect(p, `policy ${o.policy}`).toBeDefined();
  const r = (o.stage === "egress" ? p!.egress : p!.ingress)[o.rule];
  expect(r, `${o.policy} ${o.stage} rule ${o.rule}`).toBeDefined();
  return r!;
}

describe("provenance", () => {
  it("has one chain per policy and stage", () => {
    const stages = m.policies.flatMap((p) => p.types);
    expect(policyChains).toHaveLength(stages.length);
  });

  it("gives every rule of a policy chain an origin that exists, and no other rule one", () => {
    for (const c of plan.chains) {
      c.rules.forEach((r, i) => {
        const inner = policyChains.includes(c);
        expect([c.name, i, r.origin !== undefined]).toEqual([c.name, i, inner]);
        if (inner) {
          source(r);
          expect(r.comment).toContain(`${r.origin!.policy} ${r.origin!.stage} rule ${r.origin!.rule}`);
        }
      });
    }
  });

  it("turns each action into its verdict", () => {
    for (const r of policyChains.flatMap((c) => c.rules).filter((r) => r.origin)) {
      const action = source(r).action;
      const v = r.verdict;
      const stage = r.origin!.stage;
      if (action === "Log") expect(v).toEqual({ kind: "log", prefix: `moat log ${r.origin!.policy}/${stage[0]}${r.origin!.rule}`, group: 100, rate: "10/second", burst: 20 });
      if (action === "Deny") expect(v).toEqual({ kind: "goto", chain: "deny" });
      // Deciding rules end the stage: egress goes on to after-eg (then ingress or accept), ingress accepts.
      if (action === "Allow") expect(v).toEqual(stage === "egress" ? { kind: "goto", chain: "after-eg" } : { kind: "accept" });
      if (action === "Pass") expect(v).toEqual({ kind: "goto", chain: stage === "egress" ? "after-eg" : "in-default" });
    }
  });

  it("enforces every policy rule somewhere", () => {
    const seen = new Set(policyChains.flatMap((c) => c.rules).flatMap((r) => (r.origin ? [`${r.origin.policy}/${r.origin.stage}/${r.origin.rule}`] : [])));
    const all = m.policies.flatMap((p) => [...p.ingress.map((_, i) => `${p.id}/ingress/${i}`), ...p.egress.map((_, i) => `${p.id}/egress/${i}`)]);
    expect([...seen].sort()).toEqual(all.sort());
  });
});
