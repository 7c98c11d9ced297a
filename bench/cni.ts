// moat-cni: CNI ADD to enforced on its node. One namespace host (node n1) with a real `moat server` and
// `moat agent` inside it (bin/moat, so run `npm run build` first), and CONTAINERS container namespaces
// attached one after another through bin/moat-cni exactly as a runtime attaches them. Figures, p50/p99:
//  - ADD, the whole plugin process (node's start included): what a runtime waits;
//  - the plugin's own phases (MOAT_CNI_TIMINGS): address, veth, Workload write, and enforce, from the
//    Workload's write until the node's agent reports a Plan holding it (the goal: under 50 ms p99 in
//    the lab, against Calico's reported 1 s to 2 min).
// Everything made is removed at the end, on failure too. Every loop is bounded.
import { addNetns, api, cni, newPrefix, removeNetns, startHost } from "../test/cni/fixture.js";

const CONTAINERS = Number(process.env.MOAT_BENCH_CNI_CONTAINERS ?? 100);
const GOAL_P99_MS = 50;
const BUDGET_MS = 300_000;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};
const line = (what: string, xs: number[]) => `  ${what.padEnd(34)} p50 ${pct(xs, 50).toFixed(1).padStart(7)} ms   p99 ${pct(xs, 99).toFixed(1).padStart(7)} ms`;

export async function benchCni(): Promise<void> {
  const prefix = newPrefix("b");
  const nodeNs = `${prefix}n1`;
  removeNetns(prefix);
  // nftables, the default where the kernel has it: a new workload changes set members only.
  const host = await startHost(nodeNs, "n1", ["--backend", "nftables"]);
  try {
    const manifests = `apiVersion: moat.dev/v1\nkind: Network\nmetadata: {name: bench}\nspec: {subnets: [10.66.0.0/23], isolation: network}\n---\napiVersion: moat.dev/v1\nkind: Policy\nmetadata: {name: web}\nspec: {selector: app == "web", ingress: [{action: Allow, protocol: TCP, ports: [80], from: {selector: app == "client"}}]}\n`;
    if (api(nodeNs, host.server.url, "POST", "/v1/apply", manifests).status !== 200) throw new Error("cannot apply the bench's network");
    const total: number[] = [];
    const phases: Record<string, number[]> = {};
    const started = Date.now();
    for (let i = 0; i < CONTAINERS && Date.now() - started < BUDGET_MS; i++) {
      const ns = `${prefix}c${i}`;
      addNetns(ns);
      const config = host.config("bench", { args: { labels: { app: i % 2 ? "web" : "client" } } });
      const r = await cni(nodeNs, { command: "ADD", containerId: `bench${i}`, netns: `/run/netns/${ns}`, ifname: "eth0", extra: { MOAT_CNI_TIMINGS: "1" } }, config);
      if (r.code !== 0) throw new Error(`ADD ${i} failed: ${r.out}${r.err}`);
      total.push(r.ms);
      const t = /\{"moatCniTimings":.*\}/.exec(r.err);
      if (t) for (const [k, v] of Object.entries((JSON.parse(t[0]) as { moatCniTimings: Record<string, number> }).moatCniTimings)) (phases[k] ??= []).push(v);
    }
    const enforce = phases.enforce ?? [];
    const kernel = host.agent.events().filter((e) => e.msg === "applied").map((e) => Number(e.ms));
    console.log(`cni: ${total.length} containers attached through bin/moat-cni on one node (real server and agent)`);
    console.log(line("ADD, whole plugin process", total));
    for (const k of ["network", "lease", "veth", "register", "enforce"]) if (phases[k]) console.log(line(`  ${k}`, phases[k]!));
    console.log(line("  of which the agent's kernel apply", kernel));
    console.log(`  goal: Workload write to enforced under ${GOAL_P99_MS} ms p99: ${pct(enforce, 99) < GOAL_P99_MS ? "met" : "missed"} (${pct(enforce, 99).toFixed(1)} ms)`);
    if (total.length < CONTAINERS) throw new Error(`only ${total.length} of ${CONTAINERS} ADDs within ${BUDGET_MS / 1000} s`);
  } finally {
    await host.stop();
    removeNetns(prefix);
  }
}
