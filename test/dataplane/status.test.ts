import { describe, expect, it } from "vitest";
import { applyPlan, readStatus, rulesHash } from "../../src/dataplane/index.js";
import { renderChainRules, renderSets } from "../../src/render/index.js";
import { FakeKernel } from "../support/fake-kernel.js";
import { ipt, planA, plantForeign } from "./fixtures.js";

describe("readStatus", () => {
  it("reports nothing applied on a host without moat", async () => {
    const k = new FakeKernel();
    plantForeign(k, "nft");
    expect(await readStatus(k, ipt)).toEqual({ backend: "iptables", flavor: "nft", applied: false, hookAtTop: false, chains: 0, rules: 0, sets: 0, setMembers: 0, agrees: true, differences: [] });
  });

  it("reports the applied plan, its generation and counts, and whether the hook is still first", async () => {
    const k = new FakeKernel();
    await applyPlan(k, planA, ipt);
    const sets = renderSets(planA);
    expect(await readStatus(k, ipt)).toMatchObject({
      backend: "iptables",
      agrees: true,
      differences: [],
      flavor: "nft",
      applied: true,
      generation: "a",
      rulesHash: rulesHash(planA),
      hookAtTop: true,
      chains: planA.chains.length * 2,
      rules: renderChainRules(planA, 4, "a").length + renderChainRules(planA, 6, "a").length,
      sets: sets.length,
      setMembers: sets.reduce((n, s) => n + s.members.length, 0),
    });
    k.plant("nft", 6, "*filter\n-I FORWARD 1 -j ACCEPT\nCOMMIT\n");
    expect((await readStatus(k, ipt)).hookAtTop).toBe(false);
  });
});
