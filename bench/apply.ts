// Apply time per backend, side by side, in network namespaces made for the purpose: first apply, a
// repeated apply (nothing to write), one remote workload more (set members only), one local workload
// more (its anti-spoofing entry too), one policy changed, and new-connection latency between two
// workloads wired to the node (bench/latency.ts) with no rules and with the plan. Sizes:
// MOAT_BENCH_SIZES (default 1000,10000,100000 workloads, with a tenth as many policies); backends:
// MOAT_BENCH_BACKENDS.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { compile } from "../src/compile/index.js";
import { applyPlan, processRunner, runOk, type ApplyReport } from "../src/dataplane/index.js";
import type { BackendName } from "../src/render/index.js";
import { syntheticModel } from "./compile.js";
import { connectLatency, connects, wirePair, type LatencyPair } from "./latency.js";

const ipOf = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

/**
 * Two workloads of the synthetic model that policy p0 lets talk on port 80: the server is app0 on node0
 * (workload number `apps`), the client app1 with tier front on node1 (syntheticManifests' pattern).
 */
function latencyWorkloads(n: number, apps: number): { server: number; client: number } {
  for (let i = 1 + apps; i < n; i += apps) if (i % 3 === 0 && i % 10 === 1) return { server: apps, client: i };
  throw new Error(`no client workload for the latency probe among ${n}`);
}

process.env.MOAT_STATE_DIR ??= mkdtempSync(join(tmpdir(), "moatbench-state-"));
process.env.MOAT_LOCK_DIR ??= mkdtempSync(join(tmpdir(), "moatbench-lock-"));

const SIZES = (process.env.MOAT_BENCH_SIZES ?? "1000,10000,100000").split(",").map(Number);
const BACKENDS = (process.env.MOAT_BENCH_BACKENDS ?? "nftables,iptables").split(",") as BackendName[];

async function timed(fn: () => Promise<ApplyReport>): Promise<{ ms: number; report: ApplyReport }> {
  const t = performance.now();
  const report = await fn();
  return { ms: performance.now() - t, report };
}

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

export async function benchApply(): Promise<void> {
  for (const n of SIZES) {
    const policies = Math.max(1, n / 10);
    const plans = {
      base: compile(syntheticModel(n, policies), "node0"),
      remote: compile(syntheticModel(n + 1, policies, 10, "node1"), "node0"),
      local: compile(syntheticModel(n + 1, policies, 10, "node0"), "node0"),
      policy: compile(syntheticModel(n, policies, 10, undefined, true), "node0"),
    };
    const rules = plans.base.chains.reduce((k, c) => k + c.rules.length, 0);
    const members = plans.base.sets.reduce((k, s) => k + s.v4.length + s.v6.length, 0);
    for (const backend of BACKENDS) {
      const ns = `moatbench-${randomBytes(3).toString("hex")}`;
      await runOk(processRunner(), "ip", ["netns", "add", ns]);
      let pair: LatencyPair | undefined;
      try {
        const w = latencyWorkloads(n, policies);
        pair = await wirePair(ns, { ip: ipOf(w.server), iface: `cali${w.server}` }, { ip: ipOf(w.client) }, 80, 81);
        if (!(await connects(pair, 81))) throw new Error("with no rules, the latency client cannot reach the server");
        const open = await connectLatency(pair);
        const runner = processRunner(ns);
        const apply = (p: (typeof plans)["base"]) => timed(() => applyPlan(runner, p, { backend }));
        const first = await apply(plans.base);
        const again = await apply(plans.base);
        const remote = await apply(plans.remote);
        await apply(plans.base);
        const local = await apply(plans.local);
        await apply(plans.base);
        const policy = await apply(plans.policy);
        await apply(plans.base);
        // Port 81 is not in the policy's list: the plan must stop it, or the figure below measures nothing.
        if (await connects(pair, 81)) throw new Error(`${backend}: the plan did not deny port 81 to the latency client`);
        const enforced = await connectLatency(pair);
        const k = (r: { report: ApplyReport }) => `kernel ${fmt(r.report.timings.kernel)}`;
        console.log(
          `apply ${backend} ${n} workloads x ${policies} policies (node0: ${rules} plan rules, ${plans.base.sets.length} sets, ${members} members): ` +
            `first ${fmt(first.ms)} (${k(first)}), ` +
            `no-op ${fmt(again.ms)} (${again.report.changed ? "rewrote!" : "nothing written"}), ` +
            `remote workload +1 ${fmt(remote.ms)} (${remote.report.rulesChanged ? "rules rewritten" : `${remote.report.setsUpdated} sets updated`}), ` +
            `local workload +1 ${fmt(local.ms)} (${local.report.rulesChanged ? "rules rewritten" : `${local.report.setsUpdated} sets updated`}), ` +
            `policy changed ${fmt(policy.ms)} (${k(policy)}), ` +
            `new TCP connection p50/p99 ${open.p50.toFixed(2)}/${open.p99.toFixed(2)} ms with no rules, ${enforced.p50.toFixed(2)}/${enforced.p99.toFixed(2)} ms with the plan (${(enforced.p50 / open.p50).toFixed(2)}x at p50)`,
        );
      } finally {
        await pair?.stop();
        await processRunner().run("ip", ["netns", "del", ns]);
      }
    }
  }
}
