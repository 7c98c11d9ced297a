// `moat lab up` killed -9 half-way (its server and agents running, detached): probe refuses the
// unfinished lab, and down still finds and removes every process, namespace and the folder.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireKernelTools } from "../../src/lab/index.js";
import { alive, forceDown, LAB_DIR, labName, moat, moatAsync, namespacesOf, pidsOf, stateOf } from "./support.js";

const MANIFESTS = `apiVersion: moat.dev/v1
kind: Network
metadata: {name: net}
spec: {subnets: [10.83.0.0/16], isolation: network}
${["a", "b", "c", "d"].map((n, i) => `---\napiVersion: moat.dev/v1\nkind: Workload\nmetadata: {name: ${n}}\nspec: {network: net, ips: [10.83.0.${i + 1}], ports: [{name: http, port: 80}]}\n`).join("")}`;

const name = labName();
let pids: number[] = [];

beforeAll(() => requireKernelTools(), 30_000);
afterAll(() => forceDown(name, pids), 60_000);

describe("moat lab down after moat lab up crashed", () => {
  it("kill -9 of lab up once its server runs and its agents start: probe says unfinished, down leaves nothing", async () => {
    const file = join(LAB_DIR, "crash.yaml");
    writeFileSync(file, MANIFESTS);
    const up = moatAsync(["lab", "up", "-f", file, "--name", name, "--nodes", "2"]);
    await up.waitFor(/manifests applied through the API/, 60_000);
    // The agents are spawned right after; give their pid files a moment.
    await new Promise((r) => setTimeout(r, 300));
    up.child.kill("SIGKILL");
    await up.exited;
    pids = pidsOf(name);
    expect(pids.length).toBeGreaterThanOrEqual(2);
    expect(pids.filter(alive).length).toBeGreaterThanOrEqual(1);
    expect(stateOf(name).status).toBe("building");
    expect((await namespacesOf(name)).length).toBe(1 + 2 + 4);

    const probe = moat(["lab", "probe", "--name", name]);
    expect(probe.code).toBe(3);
    expect(probe.err).toMatch(new RegExp(`lab ${name} was not finished .*moat lab down --name ${name}`));

    const down = moat(["lab", "down", "--name", name]);
    expect(down.code, down.err).toBe(0);
    expect(down.err).toMatch(/removed: \d+ processes, 7 namespaces/);
    expect(await namespacesOf(name)).toEqual([]);
    expect(pids.filter(alive)).toEqual([]);
    expect(existsSync(join(LAB_DIR, name))).toBe(false);
  }, 120_000);
});
