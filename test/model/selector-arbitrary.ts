// fast-check generators for selector trees in the shape the parser produces (and/or with two or more
// operands), shared by the parser and the evaluator tests.
import fc from "fast-check";
import type { Selector } from "../../src/model/index.js";

/** A string the selector language can quote: it may hold one kind of quote, not both. */
const quotable = (s: fc.Arbitrary<string>) => s.filter((v) => !(v.includes('"') && v.includes("'")));

export function selectorArbitrary(key: fc.Arbitrary<string>, value: fc.Arbitrary<string>): fc.Arbitrary<Selector> {
  const v = quotable(value);
  const leaf: fc.Arbitrary<Selector> = fc.oneof(
    fc.constant<Selector>({ op: "all" }),
    key.map((k): Selector => ({ op: "has", key: k })),
    fc.record({ op: fc.constantFrom("eq" as const, "ne" as const), key, value: v }),
    fc.record({ op: fc.constantFrom("in" as const, "notin" as const), key, values: fc.array(v, { maxLength: 3 }) }),
  );
  const { tree } = fc.letrec<{ tree: Selector }>((tie) => ({
    tree: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      leaf,
      tie("tree").map((expr): Selector => ({ op: "not", expr })),
      fc.record({ op: fc.constantFrom("and" as const, "or" as const), exprs: fc.array(tie("tree"), { minLength: 2, maxLength: 3 }) }),
    ),
  }));
  return tree;
}

/** Any key the grammar allows, including ones that look like keywords. */
export const anyKey = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_./-]{1,12}$/), fc.constantFrom("all", "has", "in", "not", "a.b/c-d_e"));

/** Any text at all as a value: quotes of one kind, backslashes, spaces, control characters, non-ASCII. */
export const anyValue = fc.oneof(fc.string({ maxLength: 8 }), fc.string({ unit: "binary", maxLength: 6 }), fc.constantFrom('a"b', "a'b", "x\\y", "\n", ""));
