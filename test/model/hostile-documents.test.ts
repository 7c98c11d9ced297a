// Issue 7: hostile texts are refused with one issue each, quickly, never a crash.
import { describe, expect, it } from "vitest";
import { decodeText, parseDocuments } from "../../src/model/index.js";

const laughs = (levels: number) => {
  const lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < levels; i++) lines.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(", ")}]`);
  return `${lines.join("\n")}\n`;
};

describe("parseDocuments on hostile text", () => {
  it("refuses a billion laughs as an excessive alias count, in milliseconds", () => {
    const start = Date.now();
    const { docs, issues } = parseDocuments(laughs(10), "bomb.yaml");
    expect(docs).toEqual([]);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toMatch(/Excessive alias count/);
    expect(Date.now() - start).toBeLessThan(2000);
  });

  it("refuses many aliases of one big anchor, and accepts many of a small one", () => {
    const wide = `a: &a [${Array(1000).fill("x").join(", ")}]\nb: [${Array(2000).fill("*a").join(", ")}]\n`;
    expect(parseDocuments(wide, "wide.yaml").issues[0]!.message).toMatch(/Excessive alias count/);
    const small = `a: &a x\nb: [${Array(150).fill("*a").join(", ")}]\n`;
    expect(parseDocuments(small, "small.yaml")).toMatchObject({ issues: [], docs: [{ doc: { a: "x" } }] });
  });

  it("keeps a few aliases working", () => {
    const text = "apiVersion: moat.dev/v1\nkind: Network\nmetadata: {name: n, labels: &l {a: b}}\nspec: {subnets: [10.0.0.0/8]}\n";
    expect(parseDocuments(text, "ok.yaml").docs[0]!.doc).toMatchObject({ metadata: { labels: { a: "b" } } });
  });

  it.each([
    ["YAML flow", "[".repeat(20_000)],
    ["YAML block", Array.from({ length: 5000 }, (_, i) => `${" ".repeat(i)}k:`).join("\n")],
    ["JSON", `${"[".repeat(50_000)}${"]".repeat(50_000)}`],
    ["JSON object", `${'{"a":'.repeat(50_000)}1${"}".repeat(50_000)}`],
  ])("refuses %s nested 20,000 deep with one issue", (_, text) => {
    const { docs, issues } = parseDocuments(text, "deep");
    expect(docs).toEqual([]);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toMatch(/depth|deeper|nest/i);
  });

  it("reads JSON through JSON.parse and broken JSON with a position", () => {
    expect(parseDocuments('{"kind": "A"}', "a.json").docs).toEqual([{ file: "a.json", index: 0, doc: { kind: "A" } }]);
    const broken = parseDocuments('{"kind": "A",\n "x": [1, 2}', "b.json");
    expect(broken.issues.length).toBeGreaterThan(0);
    expect(broken.issues[0]!.message).toMatch(/line 2/);
  });

  it("refuses a key given twice in JSON, as in YAML, and accepts escaped keys that differ", () => {
    const dup = parseDocuments('{"kind": "A",\n "meta": {"a": 1, "b": {"a": 2}},\n "kind": "B"}', "d.json");
    expect(dup.docs).toEqual([]);
    expect(dup.issues.map((i) => i.message)).toEqual(['not valid YAML or JSON: key "kind" is given twice in one object, at line 3']);
    expect(parseDocuments('{"a\\"b": 1, "a\\u0022c": [{"x": "}", "y": "{\\""}], "k": 2}', "e.json").issues).toEqual([]);
    expect(parseDocuments('{"a\\u0062": 1, "ab": 2}', "f.json").issues).toHaveLength(1);
  });

  it("does not read timestamps or merge keys into other types", () => {
    expect(parseDocuments("d: 2001-12-14\ny: yes\n", "t.yaml").docs[0]!.doc).toEqual({ d: "2001-12-14", y: "yes" });
  });
});

describe("decodeText", () => {
  const bytes = (...b: number[]) => new Uint8Array(b);
  it("reads UTF-8, dropping a byte-order mark", () => {
    expect(decodeText(new TextEncoder().encode("\ufeffkind: é\n"))).toEqual({ ok: true, text: "kind: é\n" });
  });

  it.each([
    ["a lone continuation byte", [0x61, 0x0a, 0x62, 0x80], "byte 0x80 at line 2, byte offset 3"],
    ["Latin-1 é", [0x6b, 0x3a, 0x20, 0xe9, 0x0a], "byte 0xe9 at line 1, byte offset 3"],
    ["a truncated sequence", [0x0a, 0x0a, 0xe2, 0x82], "at line 3, byte offset 2"],
    ["an overlong slash", [0xc0, 0xaf], "byte 0xc0 at line 1, byte offset 0"],
    ["a surrogate", [0x61, 0xed, 0xa0, 0x80], "byte 0xed at line 1, byte offset 1"],
  ])("refuses %s, naming line and offset", (_, b, where) => {
    const d = decodeText(bytes(...b));
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.message).toContain(where);
  });

  it.each([
    ["UTF-16 LE with BOM", [0xff, 0xfe, 0x6b, 0, 0x3a, 0], "UTF-16 (little-endian)"],
    ["UTF-16 BE with BOM", [0xfe, 0xff, 0, 0x6b, 0, 0x3a], "UTF-16 (big-endian)"],
    ["UTF-16 LE without BOM", [0x6b, 0, 0x3a, 0, 0x20, 0], "UTF-16 (little-endian)"],
    ["UTF-32 LE", [0xff, 0xfe, 0, 0, 0x6b, 0, 0, 0], "UTF-32"],
  ])("names %s and does not echo it", (_, b, kind) => {
    const d = decodeText(bytes(...b));
    expect(d.ok).toBe(false);
    if (!d.ok) {
      expect(d.message).toContain(kind);
      expect(d.message).not.toMatch(/k/);
    }
  });

  it("refuses a NUL byte", () => {
    const d = decodeText(bytes(0x61, 0x0a, 0x00));
    expect(!d.ok && d.message).toContain("NUL byte at line 2");
  });
});
