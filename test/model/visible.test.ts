import { describe, expect, it } from "vitest";
import { formatIssue, hasControl, show, visible, visibleLines } from "../../src/model/index.js";

describe("visible", () => {
  it.each([
    ["\x1b[2J", "\\x1b[2J"],
    ["a\nb", "a\\nb"],
    ["tab\there", "tab\\there"],
    ["\r", "\\r"],
    ["\x00\x7f", "\\x00\\x7f"],
    ["csi\u009b31m", "csi\\u009b31m"],
    ["rtl\u202eevil", "rtl\\u202eevil"],
    ["iso\u2066x\u2069", "iso\\u2066x\\u2069"],
    ["line\u2028sep", "line\\u2028sep"],
    ["bom\ufeff", "bom\\ufeff"],
    ["lone\ud800", "lone\\ud800"],
    ["plain agent-1 ✓ é 中 😀", "plain agent-1 ✓ é 中 😀"],
  ])("%j becomes %j", (input, out) => {
    expect(visible(input)).toBe(out);
    expect(hasControl(out)).toBe(false);
  });

  it("keeps the lines and tabs moat laid out, and nothing else", () => {
    expect(visibleLines("a\tb\nc\x1b[31m\u202e")).toBe("a\tb\nc\\x1b[31m\\u202e");
  });

  it("keeps a JSON text JSON", () => {
    const text = visibleLines(JSON.stringify({ name: "x\u009by\u202ez\x1b" }));
    expect(JSON.parse(text)).toEqual({ name: "x\u009by\u202ez\x1b" });
  });

  it("is applied by show() and formatIssue() to every part that comes from input", () => {
    expect(show("a\u009bb")).toBe('"a\\u009bb"');
    const line = formatIssue({ code: "x", path: ["metadata", "name"], message: "bad", resource: "Workload/\x1b[2Jvalid: ok\nfake", file: "f\u202e.yaml", document: 0 });
    expect(line).toBe("f\\u202e.yaml#1: Workload/\\x1b[2Jvalid: ok\\nfake: metadata.name: bad");
  });

  it("cuts a long value and never throws on one nested too deep", () => {
    expect(show("x".repeat(10_000))).toMatch(/^"x{200}\.\.\." \(10000 characters\)$/);
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(show(deep)).toBe("a list nested too deep to show");
  });
});
