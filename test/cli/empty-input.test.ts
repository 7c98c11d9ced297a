// Issue 7: input with no resources is "no objects passed", exit 2, for every command that reads a model.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { run, runOnDisk } from "./fake-io.js";

const EMPTY: [string, string][] = [
  ["an empty file", ""],
  ["only whitespace", "  \n\n\t\n"],
  ["only comments", "# nothing here\n# at all\n"],
  ["null", "null\n"],
  ["~", "~\n"],
  ["empty documents", "---\n---\n# c\n---\n"],
  ["an empty JSON list", "[]"],
  ["an empty kind: List", '{"apiVersion": "v1", "kind": "List", "items": []}'],
];

const COMMANDS: string[][] = [
  ["validate"],
  ["check", "--from", "10.0.0.1", "--to", "10.0.0.2", "--port", "80"],
  ["matrix", "--port", "80"],
  ["compile", "--node", "agent-1"],
  ["export", "kubernetes"],
];

describe("input with no resources", () => {
  for (const [what, text] of EMPTY) {
    it.each(COMMANDS)(`${what}: %s is exit 2, no objects passed`, async (...cmd) => {
      const r = await run([...cmd, "-f", "in.yaml"], { "in.yaml": text });
      expect(r.code).toBe(2);
      expect(r.out).toBe("");
      expect(r.errLines).toEqual(["error: no objects passed: in.yaml holds no resources (empty, only comments, or null)"]);
    });
  }

  it("stdin that is empty names <stdin>", async () => {
    const r = await run(["validate", "-f", "-"], {}, "");
    expect(r).toMatchObject({ code: 2, err: "error: no objects passed: <stdin> holds no resources (empty, only comments, or null)\n" });
  });

  it("one empty file beside a real one is fine", async () => {
    const net = "apiVersion: moat.dev/v1\nkind: Network\nmetadata: {name: n}\nspec: {subnets: [10.0.0.0/8]}\n";
    const r = await run(["validate", "-f", "a.yaml", "-f", "b.yaml"], { "a.yaml": net, "b.yaml": "" });
    expect(r.code).toBe(0);
  });
});

describe("input that is not UTF-8 text", () => {
  const dir = mkdtempSync(join(tmpdir(), "moat-enc-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, bytes: number[] | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes));
    return path;
  };

  it("names the file, line and byte offset of a byte that is not UTF-8, and replaces nothing", async () => {
    const path = file("latin1.yaml", [...Buffer.from("apiVersion: moat.dev/v1\nkind: Network\nmetadata: {name: caf"), 0xe9, ...Buffer.from("}\n")]);
    const r = await runOnDisk(["validate", "-f", path]);
    expect(r.code).toBe(2);
    expect(r.errLines[0]).toBe(`${path}: is not UTF-8: byte 0xe9 at line 3, byte offset 58 (column 21) is not valid UTF-8 (moat reads UTF-8 only; nothing was replaced)`);
  });

  it("says a UTF-16 file is UTF-16 and does not echo it", async () => {
    const text = "apiVersion: moat.dev/v1\nkind: Network\n";
    const path = file("utf16.yaml", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]));
    const r = await runOnDisk(["validate", "-f", path]);
    expect(r.code).toBe(2);
    expect(r.errLines[0]).toBe(`${path}: is UTF-16 (little-endian), not UTF-8: convert it first, e.g. iconv -f UTF-16 -t UTF-8`);
    expect(r.err).not.toContain("moat.dev");
  });
});
