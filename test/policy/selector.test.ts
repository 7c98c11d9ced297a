import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseSelector, printSelector, type Selector } from "../../src/model/index.js";
import { selectorMatches } from "../../src/policy/index.js";
import { selectorArbitrary } from "../model/selector-arbitrary.js";

const parse = (text: string): Selector => {
  const r = parseSelector(text);
  if (!r.ok) throw new Error(`${JSON.stringify(text)}: column ${r.column}: ${r.message}`);
  return r.value;
};
const matches = (text: string, labels: Record<string, string>) => selectorMatches(parse(text), labels);

// Small domains, so that random selectors and random labels often meet.
const key = fc.constantFrom("app", "tier", "env", "example.com/team");
const value = fc.constantFrom("web", "db", "", "prod");
const labels = fc.dictionary(key, value, { maxKeys: 4 });
const tree = selectorArbitrary(key, value);

describe("selectorMatches", () => {
  const web = { app: "web", tier: "front", env: "prod" };

  it.each<[string, Record<string, string>, boolean]>([
    ["all()", {}, true],
    ['app == "web"', web, true],
    ['app == "db"', web, false],
    ['app == "web"', {}, false],
    ['app != "db"', web, true],
    ['app != "web"', web, false],
    // calicoctl: != and not in also hold when the label is absent.
    ['app != "web"', {}, true],
    ['env in {"prod", "stage"}', web, true],
    ['env in {"dev", "stage"}', web, false],
    ["env in {}", web, false],
    ['env in {"prod"}', {}, false],
    ['env not in {"dev"}', web, true],
    ['env not in {"prod"}', web, false],
    ['env not in {"prod"}', {}, true],
    ["has(tier)", web, true],
    ["has(tier)", { app: "web" }, false],
    ["has(tier)", { tier: "" }, true],
    ['tier == ""', { tier: "" }, true],
    ['tier == ""', {}, false],
    ["!has(tier)", { app: "web" }, true],
    ["!has(tier)", web, false],
    ['app == "web" && tier == "back"', web, false],
    ['app == "web" && tier == "front"', web, true],
    ['app == "db" || tier == "front"', web, true],
    ['app == "db" || tier == "back"', web, false],
    ['!(app == "db" || tier == "back")', web, true],
    ['app == "db" || app == "web" && env == "dev"', web, false],
    ['(app == "db" || app == "web") && env == "prod"', web, true],
  ])("%s on %j is %s", (text, l, expected) => {
    expect(matches(text, l)).toBe(expected);
  });

  it("sees a label whose name is an Object.prototype property only when the workload has it", () => {
    expect(matches("has(constructor)", {})).toBe(false);
    expect(matches('toString in {"x"}', {})).toBe(false);
    expect(matches('toString not in {"x"}', {})).toBe(true);
  });

  it("! inverts any selector on any labels", () => {
    fc.assert(
      fc.property(tree, labels, (t, l) => {
        expect(selectorMatches(parse(`!(${printSelector(t)})`), l)).toBe(!selectorMatches(t, l));
      }),
      { numRuns: 300 },
    );
  });

  it("!= is the negation of ==, and not in of in, even for an absent label", () => {
    fc.assert(
      fc.property(key, value, fc.array(value, { maxLength: 3 }), labels, (k, v, vs, l) => {
        const set = `{${vs.map((x) => JSON.stringify(x)).join(", ")}}`;
        expect(matches(`${k} != ${JSON.stringify(v)}`, l)).toBe(!matches(`${k} == ${JSON.stringify(v)}`, l));
        expect(matches(`${k} not in ${set}`, l)).toBe(!matches(`${k} in ${set}`, l));
        expect(matches(`${k} in ${set}`, l)).toBe(vs.some((x) => matches(`${k} == ${JSON.stringify(x)}`, l)));
      }),
      { numRuns: 300 },
    );
  });

  it("&& and || follow De Morgan, and parentheses group", () => {
    fc.assert(
      fc.property(tree, tree, labels, (a, b, l) => {
        const [x, y] = [printSelector(a), printSelector(b)];
        expect(matches(`!((${x}) && (${y}))`, l)).toBe(matches(`!(${x}) || !(${y})`, l));
        expect(matches(`(${x}) || (${y})`, l)).toBe(selectorMatches(a, l) || selectorMatches(b, l));
        expect(matches(`(${x}) && (${y})`, l)).toBe(selectorMatches(a, l) && selectorMatches(b, l));
      }),
      { numRuns: 300 },
    );
  });
});
