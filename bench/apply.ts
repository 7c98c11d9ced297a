// Apply time of the 100k-workload plan (10k policies) in a network namespace made for the purpose:
// first apply, a repeated apply (read back, nothing written), and one workload more (set members only).
import { randomBytes } from "node:crypto";
import { compile } from "../src/compile/index.js";
import { applyPlan, processRunner, runOk } from "../src/dataplane/index.js";
import { syntheticModel } from "./compile.js";

export async function benchApply(): Promise<void> {
  const ns = `moatbench-${randomBytes(3).toString("hex")}`;
  await runOk(processRunner(), "ip", ["netns", "add", ns]);
  try {
    const runner = processRunner(ns);
    const model = syntheticModel(100_000, 10_000);
    const plan = compile(model, "node0");
    const members = plan.sets.reduce((n, s) => n + s.v4.length + s.v6.length, 0);
    const rules = plan.chains.reduce((n, c) => n + c.rules.length, 0);
    let t = performance.now();
    const first = await applyPlan(runner, plan);
    const firstS = (performance.now() - t) / 1000;
    t = performance.now();
    const again = await applyPlan(runner, plan);
    const againS = (performance.now() - t) / 1000;
    // A workload on another node: on node0 only set members change. (On its own node it would also add
    // its anti-spoofing rules, and the rules are rewritten.)
    const grown = compile(syntheticModel(100_001, 10_000, 10, "node1"), "node0");
    t = performance.now();
    const incremental = await applyPlan(runner, grown);
    const incS = (performance.now() - t) / 1000;
    console.log(
      `apply 100000 workloads x 10000 policies (node0: ${rules} rules, ${plan.sets.length} sets, ${members} members; iptables ${first.flavor}): ` +
        `first ${firstS.toFixed(1)} s, again ${againS.toFixed(1)} s (${again.changed ? "rewrote!" : "nothing written"}), ` +
        `one workload more ${incS.toFixed(1)} s (${incremental.rulesChanged ? "rules rewritten!" : `set members only, ${incremental.setsUpdated} sets updated`})`,
    );
  } finally {
    await processRunner().run("ip", ["netns", "del", ns]);
  }
}
