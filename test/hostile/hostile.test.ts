// Issue 7, done when: over 100 hostile inputs through validate, check, matrix, compile and apply. Each
// must give its exit code, with no stack trace and no raw control character in what it prints, and a
// refused apply must leave the network namespace's rules byte-identical (iptables-save, ip6tables-save,
// ipset save, nft list ruleset). validate..compile run through main() in this process; apply runs in a
// network namespace of the test's own, through main() and the real runner, every case in one child.
import "../support/state-dirs.js";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { processIo, type Io } from "../../src/cli/io.js";
import { processRunner, runOk } from "../../src/dataplane/index.js";
import { cleanupLabs, labPrefix, requireKernelTools } from "../../src/lab/index.js";
import { hasControl } from "../../src/model/index.js";
import { BASE, CASES, DEFAULT_FLAGS, type Command, type HostileCase } from "./cases.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "moat-hostile-"));
const fileOf = (i: number) => join(dir, `case-${i}.yaml`);
const baseFile = join(dir, "base.yaml");

const argvOf = (c: HostileCase, i: number, command: Command): string[] => {
  const flags = c.flags?.[command] ?? DEFAULT_FLAGS[command];
  return [command, "-f", fileOf(i), ...flags];
};

async function moat(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: Io = { readFile: processIo.readFile, readStdin: async () => "", out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`) };
  return { code: await main(argv, io), out, err };
}

/** What every command's output must hold to: no stack trace, no control character but the line ends. */
function expectClean(text: string): void {
  expect(text).not.toMatch(/^\s+at .+[:(]\d+/m);
  expect(text).not.toMatch(/internal error/);
  expect(hasControl(text.replace(/[\n\t]/g, ""))).toBe(false);
}

const codes = (e: number | number[]) => (Array.isArray(e) ? e : [e]);

beforeAll(() => {
  writeFileSync(baseFile, BASE);
  CASES.forEach((c, i) => writeFileSync(fileOf(i), c.input));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("hostile inputs", () => {
  it("are at least 100, each named once", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(100);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  const offline: Command[] = ["validate", "check", "matrix", "compile"];
  it.each(CASES.map((c, i) => [c.name, c, i] as const))("%s: validate, check, matrix, compile", async (_, c, i) => {
    for (const command of offline) {
      const r = await moat(argvOf(c, i, command));
      expect({ command, code: r.code, ok: codes(c.expect[command]).includes(r.code) }, `${command}: ${r.err}`).toMatchObject({ ok: true });
      expectClean(r.out + r.err);
      if (r.code === 2) expect(r.out).toBe("");
    }
  }, 30_000);
});

describe("hostile inputs applied in a network namespace", () => {
  type Result = { id: string; code: number; out: string; err: string; unchanged: boolean; rulesBefore: number };
  let results: Map<string, Result>;
  let baseRules = 0;

  beforeAll(async () => {
    await requireKernelTools();
    const prefix = labPrefix();
    const ns = `${prefix}hostile`;
    await runOk(processRunner(), "ip", ["netns", "add", ns]);
    try {
      const restore = ["apply", "-f", baseFile, "--node", "agent-1"];
      const jobs = [{ id: "base", argv: restore, restore: [] }, ...CASES.map((c, i) => ({ id: String(i), argv: argvOf(c, i, "apply"), restore }))];
      const jobFile = join(dir, "jobs.json");
      writeFileSync(jobFile, JSON.stringify(jobs));
      const child = await new Promise<{ code: number; out: string; err: string }>((resolve) => {
        const p = spawn("ip", ["netns", "exec", ns, process.execPath, "--import", "tsx", "test/hostile/apply-child.ts", jobFile], { cwd: root, env: process.env });
        let out = "";
        let err = "";
        p.stdout.on("data", (d) => (out += d));
        p.stderr.on("data", (d) => (err += d));
        p.on("close", (code) => resolve({ code: code ?? -1, out, err }));
      });
      if (child.code !== 0) throw new Error(`the apply child failed (${child.code}): ${child.err}`);
      const list = JSON.parse(child.out) as Result[];
      results = new Map(list.map((r) => [r.id, r]));
      baseRules = results.get("base")!.rulesBefore;
    } finally {
      await processRunner().run("ip", ["netns", "del", ns]);
      await cleanupLabs(prefix);
    }
  }, 300_000);

  it("applied the base manifest first, so that a refused apply has rules to keep", () => {
    const base = results.get("base")!;
    expect(base.code, base.err).toBe(0);
    expect(results.get("0")!.rulesBefore).toBeGreaterThan(baseRules);
  });

  it.each(CASES.map((c, i) => [c.name, c, i] as const))("%s: apply", (_, c, i) => {
    const r = results.get(String(i))!;
    expect(codes(c.expect.apply), `apply gave ${r.code}: ${r.err}`).toContain(r.code);
    expectClean(r.out + r.err);
    if (r.code !== 0) expect(r.unchanged, "a refused apply changed the rules").toBe(true);
    if (c.applyChanges !== undefined) expect(r.unchanged).toBe(!c.applyChanges);
  });
});

describe("hostile files through the other readers: import, policy, export", () => {
  const readers: [string, (f: string) => string[]][] = [
    ["import rancher", (f) => ["import", "rancher", "--network", f]],
    ["import rancher --containers", (f) => ["import", "rancher", "--network", baseFile.replace(/base\.yaml$/, "rancher-net.json"), "--containers", f]],
    ["import cloudfoundry", (f) => ["import", "cloudfoundry", f]],
    ["import cni", (f) => ["import", "cni", f]],
    ["policy list", (f) => ["policy", "list", "-f", f]],
    ["export kubernetes", (f) => ["export", "kubernetes", "-f", f]],
  ];
  const picked = CASES.map((c, i) => ({ c, i })).filter(({ c }) => c.expect.validate === 2 && !c.flags);

  beforeAll(() => writeFileSync(baseFile.replace(/base\.yaml$/, "rancher-net.json"), JSON.stringify({ name: "ipsec", defaultPolicyAction: "allow", subnets: [{ networkAddress: "10.42.0.0/16" }], policy: [] })));

  // What no reader may accept: text that is not UTF-8, and texts built to exhaust a parser.
  const unreadable = /UTF-|byte|laughs|aliases|deep|20,000 [[{]|NUL|surrogate|sequence/;

  it.each(readers)("%s: exit 0 or 2 with clean output for every refused case; 2 for bad bytes and bombs", async (_, argv) => {
    const failures: string[] = [];
    for (const { c, i } of picked) {
      const r = await moat(argv(fileOf(i)));
      // Other readers read other shapes: a YAML that is no moat manifest may be a fine cf manifest.
      if (r.code !== 2 && (r.code !== 0 || unreadable.test(c.name))) failures.push(`${c.name}: exit ${r.code}: ${r.err.slice(0, 200)}`);
      expectClean(r.out + r.err);
    }
    expect(failures).toEqual([]);
  }, 60_000);
});
