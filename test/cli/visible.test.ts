// Issue 7: nothing from input reaches the terminal with its control characters raw.
import { describe, expect, it } from "vitest";
import { hasControl } from "../../src/model/index.js";
import { run } from "./fake-io.js";

const ESC_NAME = "x\x1b[2J\x1b[32mvalid: 1 network\x1b[0m\nfake";

describe("terminal output", () => {
  it("shows a resource name with escapes and newlines escaped, one line per issue", async () => {
    const doc = JSON.stringify({ apiVersion: "moat.dev/v1", kind: "Network", metadata: { name: ESC_NAME }, spec: { subnets: ["10.0.0.0/8"] } });
    const r = await run(["validate", "-f", "n.json"], { "n.json": doc });
    expect(r.code).toBe(2);
    expect(hasControl(r.err.replaceAll("\n", ""))).toBe(false);
    expect(r.errLines).toHaveLength(2);
    expect(r.errLines[0]).toContain("Network/x\\x1b[2J\\x1b[32mvalid: 1 network\\x1b[0m\\nfake");
  });

  it("shows a flag's C1 and bidi controls escaped in a usage error", async () => {
    const r = await run(["check", "-f", "a.yaml", "--from", "a\u009b2J\u202e", "--to", "b", "--port", "80"], { "a.yaml": "apiVersion: moat.dev/v1\nkind: Network\nmetadata: {name: n}\nspec: {subnets: [10.0.0.0/8]}\n" });
    expect(r.code).toBe(2);
    expect(r.err).toContain("a\\u009b2J\\u202e");
    expect(hasControl(r.err.replaceAll("\n", ""))).toBe(false);
  });
});
