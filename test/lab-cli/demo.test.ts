// `moat demo`, the README's first command, end to end as a user runs it (with a lab name of its own):
// exit 0, both matrices agree cell by cell, the change through the API shows, nothing is left; and a
// Ctrl-C half-way still removes everything.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireKernelTools } from "../../src/lab/index.js";
import { alive, forceDown, LAB_DIR, labName, moat, moatAsync, namespacesOf, pidsOf } from "./support.js";

const names = [labName(), labName()];
const seen: number[] = [];

beforeAll(() => requireKernelTools(), 30_000);
afterAll(async () => {
  for (const n of names) await forceDown(n, seen);
}, 60_000);

describe("moat demo (real processes and namespaces)", () => {
  it("builds the 2-node lab, agrees on every cell before and after a policy change through the API, tears down, exit 0", async () => {
    const started = Date.now();
    const r = moat(["demo", "--name", names[0]!], { timeoutMs: 120_000 });
    const seconds = (Date.now() - started) / 1000;
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.out.match(/every cell agrees: 98 real connections, each as declared/g)).toHaveLength(2);
    expect(r.out).toMatch(/After the change, 4 cells changed:/);
    expect(r.out).toMatch(/8080\/TCP hr-1 -> it-2: declared denied -> allowed; real connection connected\n/);
    expect(r.err).toMatch(/2 nodes, 7 workloads, ports 80\/tcp 8080\/tcp/);
    expect(r.err).toMatch(/moat demo passed: every cell agreed/);
    expect(await namespacesOf(names[0]!)).toEqual([]);
    expect(existsSync(join(LAB_DIR, names[0]!))).toBe(false);
    console.log(`moat demo took ${seconds.toFixed(1)} s`);
  }, 150_000);

  it("Ctrl-C half-way removes the lab: exit 130, no namespace, process or folder left", async () => {
    const demo = moatAsync(["demo", "--name", names[1]!]);
    await demo.waitFor(/manifests applied through the API/, 60_000);
    seen.push(...pidsOf(names[1]!));
    expect(seen.length).toBeGreaterThan(0);
    demo.child.kill("SIGINT");
    expect(await demo.exited).toBe(130);
    expect(demo.stderr()).toMatch(/interrupted: everything the command made is removed/);
    expect(await namespacesOf(names[1]!)).toEqual([]);
    expect(existsSync(join(LAB_DIR, names[1]!))).toBe(false);
    const left = seen.filter(alive);
    expect(left).toEqual([]);
  }, 120_000);
});
