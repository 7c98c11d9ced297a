import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseSelector, printSelector, type Selector } from "../../src/model/index.js";
import { anyKey, anyValue, selectorArbitrary } from "./selector-arbitrary.js";

const parse = (text: string): Selector => {
  const r = parseSelector(text);
  if (!r.ok) throw new Error(`${JSON.stringify(text)}: column ${r.column}: ${r.message}`);
  return r.value;
};

const eq = (key: string, value: string): Selector => ({ op: "eq", key, value });

describe("parseSelector", () => {
  it.each<[string, Selector]>([
    ["all()", { op: "all" }],
    [" all ( ) ", { op: "all" }],
    ['app == "web"', eq("app", "web")],
    ["app=='web'", eq("app", "web")],
    ['app != "db"', { op: "ne", key: "app", value: "db" }],
    ['env in {"prod", "stage"}', { op: "in", key: "env", values: ["prod", "stage"] }],
    ["env in {}", { op: "in", key: "env", values: [] }],
    ["env not in {'dev'}", { op: "notin", key: "env", values: ["dev"] }],
    ["has(tier)", { op: "has", key: "tier" }],
    ["has( tier )", { op: "has", key: "tier" }],
    ["!has(tier)", { op: "not", expr: { op: "has", key: "tier" } }],
    ['cloudfoundry.org/app-guid == "c7de6123-d906"', eq("cloudfoundry.org/app-guid", "c7de6123-d906")],
    ['moat.dev/network == "it"', eq("moat.dev/network", "it")],
    ['a == "1" || b == "2" && c == "3"', { op: "or", exprs: [eq("a", "1"), { op: "and", exprs: [eq("b", "2"), eq("c", "3")] }] }],
    ['(a == "1" || b == "2") && c == "3"', { op: "and", exprs: [{ op: "or", exprs: [eq("a", "1"), eq("b", "2")] }, eq("c", "3")] }],
    ['!(a == "1" || b == "2")', { op: "not", expr: { op: "or", exprs: [eq("a", "1"), eq("b", "2")] } }],
    ['!a == "1"', { op: "not", expr: eq("a", "1") }],
    ['a == "1"&&b=="2"&&c=="3"', { op: "and", exprs: [eq("a", "1"), eq("b", "2"), eq("c", "3")] }],
    ['has == "x"', eq("has", "x")],
    ['v == "with space, and \'quote\'"', eq("v", "with space, and 'quote'")],
  ])("%s", (text, tree) => {
    expect(parse(text)).toEqual(tree);
  });

  it.each<[string, number, string]>([
    ["", 1, "empty selector; use all() to select everything"],
    ['app == "web" &&', 16, "unexpected end of selector"],
    ['app = "web"', 5, 'expected ==, !=, in or not in after label key "app"'],
    ["app == web", 8, "expected a quoted string"],
    ['app == "web', 8, "unterminated string"],
    ["has(app", 8, 'expected ")"'],
    ["has()", 5, "expected a label key inside has()"],
    ['(app == "x"', 12, 'expected ")"'],
    ['app in {"a" "b"}', 13, 'expected "}"'],
    ['app in "a"', 8, 'expected "{"'],
    ["app not {'a'}", 9, 'expected "in" after "not"'],
    ["all() x", 7, 'unexpected "x"'],
    ['&& a == "b"', 1, 'unexpected "&"'],
    ["all(", 5, 'expected ")"'],
    ['app == "x" ||', 14, "unexpected end of selector"],
    ["app", 4, 'expected ==, !=, in or not in after label key "app"'],
  ])("%j fails at column %i: %s", (text, column, message) => {
    expect(parseSelector(text)).toEqual({ ok: false, column, message });
  });
});

describe("printSelector", () => {
  it("prints the canonical form, with parentheses only where they are needed", () => {
    expect(printSelector(parse("  app=='web'&&(tier  in {'a','b'}||!has(x))"))).toBe('app == "web" && (tier in {"a", "b"} || !has(x))');
    expect(printSelector(parse('!(a == "1" && b != "2")'))).toBe('!(a == "1" && b != "2")');
    expect(printSelector(parse("env not in {}"))).toBe("env not in {}");
  });

  it("keeps a value with a double quote readable by quoting it with single quotes", () => {
    expect(printSelector(eq("a", 'x"y'))).toBe(`a == 'x"y'`);
    expect(printSelector(eq("a", "x\\y"))).toBe('a == "x\\y"');
  });

  it("round-trips: parse(print(tree)) is the tree, for any tree and any quotable value", () => {
    fc.assert(
      fc.property(selectorArbitrary(anyKey, anyValue), (tree) => {
        const text = printSelector(tree);
        expect(parse(text)).toEqual(tree);
        expect(printSelector(parse(text))).toBe(text);
      }),
      { numRuns: 500 },
    );
  });
});

describe("parseSelector on hostile selectors (issue 7)", () => {
  it.each([
    ["20,000 !", "!".repeat(20_000) + "all()"],
    ["20,000 (", "(".repeat(20_000)],
    ["20,000 ( closed", "(".repeat(20_000) + "all()" + ")".repeat(20_000)],
    ["!( alternating", "!(".repeat(10_000) + "all()"],
  ])("refuses %s with the depth it allows, not a stack overflow", (_, text) => {
    const r = parseSelector(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toBe('"!" and "(" nest deeper than 64 levels');
  });

  it("accepts 64 levels", () => {
    expect(parseSelector("(".repeat(32) + "!".repeat(32) + "has(a)" + ")".repeat(32)).ok).toBe(true);
    expect(parseSelector("!".repeat(65) + "has(a)").ok).toBe(false);
  });

  it("reads a long flat selector without recursion", () => {
    const long = Array.from({ length: 20_000 }, (_, i) => `k${i} == "v"`).join(" || ");
    expect(parseSelector(long).ok).toBe(true);
  });
});
