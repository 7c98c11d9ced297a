// Pure layers: the same input gives byte-identical output, and set members never depend on input order.
import { describe, expect, it } from "vitest";
import { compile, memberText } from "../../src/compile/index.js";
import { renderInstall, renderIpsetRestore, renderSets } from "../../src/render/index.js";
import { model } from "../model/manifests.js";
import { infraDocs, policyDocs, scaledDocs, workloadDocs } from "./fixtures.js";

/** A fixed permutation (reverse, then interleave halves) so the test needs no randomness. */
function shuffle<T>(xs: T[]): T[] {
  const r = [...xs].reverse();
  const half = Math.ceil(r.length / 2);
  return r.slice(0, half).flatMap((x, i) => (i + half < r.length ? [r[i + half]!, x] : [x]));
}

const text = (docs: unknown[]) => {
  const plan = compile(model(...docs), "node-1");
  return [JSON.stringify(plan), renderIpsetRestore(renderSets(plan)), renderInstall(plan, 4, "a", "h"), renderInstall(plan, 6, "b", "h")].join("\n");
};

describe("compile is deterministic", () => {
  it("gives byte-identical plans and rendered text for the same input", () => {
    expect(text(scaledDocs(40))).toBe(text(scaledDocs(40)));
  });

  it("gives the same plan when workloads come in another order", () => {
    const workloads = workloadDocs(40);
    expect(shuffle(workloads).map((w) => (w as { metadata: { name: string } }).metadata.name)).not.toEqual(workloads.map((w) => (w as { metadata: { name: string } }).metadata.name));
    expect(text([...infraDocs, ...shuffle(workloads), ...policyDocs])).toBe(text([...infraDocs, ...workloads, ...policyDocs]));
  });

  it("gives the same plan when policies come in another order (they are ordered by order, name)", () => {
    expect(text([...infraDocs, ...workloadDocs(20), ...shuffle(policyDocs)])).toBe(text(scaledDocs(20)));
  });

  it("gives the same plan when networks come in another order", () => {
    expect(text([...[...infraDocs].reverse(), ...workloadDocs(20), ...policyDocs])).toBe(text(scaledDocs(20)));
  });

  it("lists set members sorted and without duplicates, and sets sorted by name", () => {
    const plan = compile(model(...scaledDocs(40)), "node-1");
    const sorted = (xs: string[]) => [...new Set(xs)].sort();
    for (const s of plan.sets) {
      expect(s.v4.map(memberText)).toEqual(sorted(s.v4.map(memberText)));
      expect(s.v6.map(memberText)).toEqual(sorted(s.v6.map(memberText)));
    }
    expect(plan.sets.map((s) => s.name)).toEqual(sorted(plan.sets.map((s) => s.name)));
  });
});
