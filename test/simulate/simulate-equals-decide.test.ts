import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compile } from "../../src/compile/index.js";
import type { Plan } from "../../src/compile/index.js";
import { decide } from "../../src/policy/index.js";
import { parseNftText, simulateFlow, walkNft, walkPlan, type NftProgram, type Walker } from "../../src/simulate/index.js";
import { nftables } from "../../src/render/index.js";
import { flowArb, scenarioArb } from "../support/random-model.js";

const programs = new WeakMap<Plan, NftProgram>();
/** The nftables backend's text, parsed back: what `nft -f` is given. */
const nftWalker: Walker = (plan, p) => {
  let prog = programs.get(plan);
  if (!prog) programs.set(plan, (prog = parseNftText(nftables.renderTableText(plan))));
  return walkNft(prog, p);
};

describe.each([
  ["the Plan", walkPlan as Walker],
  ["the nftables text", nftWalker],
])("simulate(compile(model)) over %s == decide(model)", (_, walker) => {
  it("agrees on generated models and flows", () => {
    let flows = 0;
    fc.assert(
      fc.property(
        scenarioArb.chain((s) => fc.tuple(fc.constant(s), fc.array(flowArb(s), { minLength: 1, maxLength: 20 }))),
        ([scenario, list]) => {
          const plans = new Map<string, Plan>(["node-a", "node-b"].map((n) => [n, compile(scenario.model, n)]));
          for (const flow of list) {
            flows++;
            const expected = decide(scenario.model, flow);
            const got = simulateFlow(scenario.model, plans, flow, walker);
            if (got.allowed !== expected.allowed) {
              throw new Error(
                `flow ${flow.src.text} -> ${flow.dst.text} ${flow.protocol}/${flow.port ?? "-"}: decide ${expected.allowed} (${expected.reason}), simulate ${got.allowed}\n` +
                  `trace: ${JSON.stringify(got.passes.map((p) => ({ node: p.node, outcome: p.result.outcome, trace: p.result.trace.map((t) => `${t.chain}#${t.rule} ${t.comment}`) })))}\n` +
                  `model: ${JSON.stringify(scenario.docs)}`,
              );
            }
          }
        },
      ),
      { numRuns: 1000, seed: Number(process.env.MOAT_SEED ?? 20261121) },
    );
    console.log(`simulate == decide on ${flows} flows`);
    expect(flows).toBeGreaterThan(2000);
  });
});
