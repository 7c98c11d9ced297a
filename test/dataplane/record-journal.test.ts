// The record's set hashes update by the elements added and removed, and its journal of element changes
// is written whole again after JOURNAL_LIMIT lines, so it never grows without bound.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { applyPlan, namespaceId, readStatus } from "../../src/dataplane/index.js";
import { JOURNAL_LIMIT, membersHash, membersHashAfter } from "../../src/dataplane/record.js";
import { FakeKernel } from "../support/fake-kernel.js";
import { planA, planAWithNewWorkload } from "./fixtures.js";

const elements = fc.uniqueArray(fc.stringMatching(/^10\.0\.[0-9]\.[0-9]{1,2} \. 0x0000000[0-3]$/), { maxLength: 40 });

describe("membersHash", () => {
  it("does not depend on order, and updated by adds and removes is the hash of the result", () => {
    fc.assert(
      fc.property(elements, elements, (had, extra) => {
        const add = extra.filter((e) => !had.includes(e));
        const remove = had.filter((_, i) => i % 3 === 0);
        const after = [...had.filter((e) => !remove.includes(e)), ...add];
        expect(membersHashAfter(membersHash(had), add, remove)).toBe(membersHash([...after].reverse()));
        expect(membersHash([...had].reverse())).toBe(membersHash(had));
      }),
    );
  });

  it("tells apart sets that differ by one element, or by a swap of two", () => {
    expect(membersHash(["10.0.0.1 . 0x00000001"])).not.toBe(membersHash(["10.0.0.1 . 0x00000002"]));
    expect(membersHash(["10.0.0.1 . 0x00000001", "10.0.0.2 . 0x00000002"])).not.toBe(membersHash(["10.0.0.1 . 0x00000002", "10.0.0.2 . 0x00000001"]));
    expect(membersHash([])).toBe(membersHashAfter(membersHash(["a"]), [], ["a"]));
  });
});

describe("the journal of element changes", () => {
  it("is written whole again after JOURNAL_LIMIT lines", async () => {
    const k = new FakeKernel();
    await applyPlan(k, planA, { backend: "nftables" });
    const main = join(process.env.MOAT_STATE_DIR!, `netns-${await namespaceId(k)}.json`);
    const journal = main.replace(/\.json$/, ".elements.log");
    const firstId = JSON.parse(readFileSync(main, "utf8")).elementsId;
    for (let i = 0; i < JOURNAL_LIMIT; i++) {
      const r = await applyPlan(k, i % 2 ? planA : planAWithNewWorkload, { backend: "nftables" });
      expect(r.rulesChanged).toBe(false);
    }
    expect(JSON.parse(readFileSync(main, "utf8"))).toMatchObject({ elementsId: firstId, elementsSeq: JOURNAL_LIMIT });
    expect(readFileSync(journal, "utf8").trim().split("\n")).toHaveLength(JOURNAL_LIMIT);
    await applyPlan(k, planAWithNewWorkload, { backend: "nftables" });
    const rec = JSON.parse(readFileSync(main, "utf8"));
    expect(rec.elementsId).not.toBe(firstId);
    expect(rec.elementsSeq).toBeUndefined();
    expect(existsSync(journal)).toBe(false);
    // The side file written whole holds what the kernel holds.
    const side = JSON.parse(readFileSync(main.replace(/\.json$/, ".elements.json"), "utf8")).elements as Record<string, string[]>;
    const kernel = k.nft.tables.get("inet moat-a")!;
    for (const [name, list] of Object.entries(side)) expect([...list].sort(), name).toEqual([...(kernel.sets.get(name)?.elements ?? [])].sort());
    expect((await readStatus(k, { backend: "nftables" })).agrees).toBe(true);
  });
});
