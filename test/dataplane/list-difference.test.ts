// The element diff of an nft apply: the merge walk over sorted lists gives what Sets give, and lists
// that are not sorted still diff correctly.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { listDifference } from "../../src/dataplane/nftables/index.js";

const bySets = (had: string[], want: string[]) => ({ add: want.filter((e) => !had.includes(e)), remove: had.filter((e) => !want.includes(e)) });
const sortedUnique = fc.uniqueArray(fc.stringMatching(/^10\.0\.[0-9]\.[0-9] \. 0x0000000[0-3]$/), { maxLength: 30 }).map((l) => l.sort());

describe("listDifference", () => {
  it("of sorted lists is what Sets give", () => {
    fc.assert(
      fc.property(sortedUnique, sortedUnique, (had, want) => {
        expect(listDifference(had, want)).toEqual(bySets(had, want));
      }),
    );
  });

  it("of lists out of order is still right", () => {
    fc.assert(
      fc.property(sortedUnique, sortedUnique, (had, want) => {
        const shuffled = [...had].reverse();
        const got = listDifference(shuffled, want);
        const expected = bySets(had, want);
        expect(got.add.sort()).toEqual(expected.add.sort());
        expect(got.remove.sort()).toEqual(expected.remove.sort());
      }),
    );
  });

  it("finds one element more and one fewer", () => {
    expect(listDifference(["a", "c", "d"], ["a", "b", "d"])).toEqual({ add: ["b"], remove: ["c"] });
  });
});
