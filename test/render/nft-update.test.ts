// An nft rendering updated by difference (src/render/nftables/update.ts) must be the full rendering of
// the next Plan: its element changes, applied to the last rendering's sets, give the next rendering's
// sets, and its rules are the last ones. Where it declines (undefined), the rules really differ or the
// caller renders in full; the deterministic cases below hold that it does not decline what it is for.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compile, type Plan } from "../../src/compile/index.js";
import { buildModel, type Model } from "../../src/model/index.js";
import { nftables } from "../../src/render/index.js";
import { updateNft, type ElementChange } from "../../src/render/nftables/update.js";
import { syntheticManifests } from "../../bench/compile.js";
import { scenarioArb } from "../support/random-model.js";

const modelOf = (docs: unknown[]): Model => {
  const built = buildModel(docs.map((doc, index) => ({ file: "t", index, doc })));
  if (!built.ok) throw new Error(JSON.stringify(built.issues.slice(0, 2)));
  return built.value;
};

/** The last rendering's sets with the changes applied, as sorted element lists by set. */
function applied(r: nftables.NftRendering, changes: ElementChange[]): Record<string, string[]> {
  const out = Object.fromEntries(r.sets.map((s) => [`${s.table ?? "inet"} ${s.name}`, new Set(s.elements)]));
  for (const c of changes) {
    const set = out[`${c.table ?? "inet"} ${c.set}`];
    if (!set) throw new Error(`a change to set ${c.set}, which the rendering does not have`);
    for (const e of c.remove) expect(set.delete(e), `${c.set}: remove ${e}`).toBe(true);
    for (const e of c.add) {
      expect(set.has(e), `${c.set}: add ${e}`).toBe(false);
      set.add(e);
    }
  }
  return Object.fromEntries(Object.entries(out).map(([k, s]) => [k, [...s].sort()]));
}

const elementsOf = (r: nftables.NftRendering) => Object.fromEntries(r.sets.map((s) => [`${s.table ?? "inet"} ${s.name}`, [...s.elements].sort()]));

/** Checks an update from a to b against the full rendering of b; returns whether it was an update. */
function check(a: Plan, b: Plan): boolean {
  const last = nftables.renderNft(a);
  const full = nftables.renderNft(b);
  const u = updateNft(last.index, b);
  if (!u) return false;
  expect(full.rulesHash).toBe(last.rulesHash);
  expect([...full.chains]).toEqual([...last.chains]);
  expect(applied(last, u.changes)).toEqual(elementsOf(full));
  // The updated index updates on as the full one would.
  const back = updateNft(u.index, a);
  if (back) expect(applied(full, back.changes)).toEqual(elementsOf(last));
  return true;
}

describe("nft update by difference", () => {
  const docs = syntheticManifests(300, 30, 3);
  const node = "node0";
  const base = compile(modelOf(docs), node);
  const without = (i: number) => compile(modelOf(docs.filter((d) => d.metadata && (d.metadata as { name: string }).name !== `w${i}`)), node);

  it("is the full rendering when a workload of another node comes or goes", () => {
    expect(check(base, without(31))).toBe(true);
    expect(check(without(31), base)).toBe(true);
  });

  it("is the full rendering when a workload of this node comes or goes (anti-spoofing elements too)", () => {
    const r = updateNft(nftables.renderNft(without(30)).index, base)!;
    expect(r, "a local workload's update").toBeDefined();
    expect(r.changes.map((c) => c.set)).toEqual(expect.arrayContaining(["spoof-if", "spoof-ok-4", "moat-hosts-4"]));
    expect(check(base, without(30))).toBe(true);
    expect(check(without(30), base)).toBe(true);
  });

  it("is the same Plan's rendering with nothing to change", () => {
    const r = nftables.renderNft(base);
    expect(updateNft(r.index, compile(modelOf(docs), node))?.changes).toEqual([]);
  });

  it("declines when the rules change: a policy's ports, or a set's first member", () => {
    const changed = compile(modelOf(syntheticManifests(300, 30, 3, undefined, true)), node);
    expect(updateNft(nftables.renderNft(base).index, changed)).toBeUndefined();
    // Without the workloads of app0, policy p0's selector set empties: its rules go.
    const alone = syntheticManifests(300, 30, 3).filter((d) => !(d.kind === "Workload" && /^w(0|30|60|90|120|150|180|210|240|270)$/.test((d.metadata as { name: string }).name)));
    expect(updateNft(nftables.renderNft(base).index, compile(modelOf(alone), node))).toBeUndefined();
  });

  it("equals the full rendering for random models with a workload more or less", () => {
    let updates = 0;
    fc.assert(
      fc.property(scenarioArb, fc.nat(), fc.constantFrom("node-a", "node-b"), (s, k, at) => {
        const workloads = s.docs.filter((d) => (d as { kind: string }).kind === "Workload");
        const gone = workloads[k % workloads.length];
        const fewer = modelOf(s.docs.filter((d) => d !== gone));
        const a = compile(s.model, at);
        const b = compile(fewer, at);
        if (check(a, b)) updates++;
        if (check(b, a)) updates++;
      }),
      { numRuns: 150, seed: 9 },
    );
    // Most random changes touch rules (a set's first member, a new policy group); some must not.
    expect(updates).toBeGreaterThan(10);
  });
});
