import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lookup, selectorMatches } from "../src/policy/index.js";
import { scenarioArb } from "./support/random-model.js";

describe("selecting workloads through the label index", () => {
  it("matches exactly the workloads that selectorMatches accepts", () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const l = lookup(s.model);
        const selectors = s.model.policies.flatMap((p) => [p.selector, ...[...p.ingress, ...p.egress].flatMap((r) => (r.peer?.selector ? [r.peer.selector] : []))]);
        for (const sel of selectors) {
          const fast = s.model.workloads.filter((w) => l.select(sel).has(w)).map((w) => w.id);
          const slow = s.model.workloads.filter((w) => selectorMatches(sel.tree, w.labels)).map((w) => w.id);
          expect(fast).toEqual(slow);
        }
      }),
      { numRuns: 300 },
    );
  });
});
