// `moat demo` as the README runs it: build the 2-node lab, two full matrices of real connections, a
// policy change through the API, teardown. Figure: wall time of the whole command (budget: a minute).
// Needs root and dist/ (npm run build), like the kernel tests.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { requireKernelTools } from "../src/lab/index.js";

const BUDGET_MS = 60_000;
const MOAT = fileURLToPath(new URL("../bin/moat", import.meta.url));

export async function benchDemo(): Promise<void> {
  await requireKernelTools();
  const labs = mkdtempSync(join(tmpdir(), "moat-bench-demo-"));
  try {
    const started = performance.now();
    const r = spawnSync(process.execPath, [MOAT, "demo", "--name", "bench"], { env: { ...process.env, MOAT_LAB_DIR: labs }, encoding: "utf8", timeout: 5 * BUDGET_MS });
    const ms = Math.round(performance.now() - started);
    if (r.status !== 0) throw new Error(`moat demo exited ${r.status}: ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`);
    console.log(`demo: moat demo (2 nodes, 7 workloads, 2 x 98 real connections, one API change) in ${ms} ms (budget ${BUDGET_MS} ms)`);
    if (ms > BUDGET_MS) throw new Error(`moat demo took ${ms} ms, above its budget of ${BUDGET_MS} ms`);
  } finally {
    rmSync(labs, { recursive: true, force: true });
  }
}
