// The hosts of a `moat lab up`: namespaces for the fabric and the nodes, then each workload attached to
// its node on its own, as a container runtime would (through moat-cni, attach.ts; attachWorkload here
// for what the plugin cannot attach), then a listener in each workload that outlives the command.
import { processRunner, runOk } from "../dataplane/index.js";
import { Unavailable } from "../errors/index.js";
import * as cmd from "./commands.js";
import { spawnDetached, waitForLog, type Detached } from "./detached.js";
import type { LabPlan, PlannedWorkload } from "./plan.js";
import { PROBE_AGENT_SOURCE } from "./probe-agent-source.js";
import type { LabProtocol } from "./probe-agent.js";

const batch = (ns: string, input: string) => runOk(processRunner(ns), "ip", ["-batch", "-"], { input });
const sysctl = async (ns: string, settings: string[]) => {
  if (settings.length) await runOk(processRunner(ns), "sysctl", ["-q", "-w", ...settings]);
};

/**
 * Every namespace (workloads' too: a runtime makes the container's before it calls CNI), fabric and
 * nodes wired. Routed: each node routes the others' workload addresses over the fabric; vxlan: the
 * fabric is only the underlay, and each node's agent keeps the overlay and its routes.
 */
export async function buildHosts(plan: LabPlan, overlay: "routed" | "vxlan"): Promise<void> {
  await runOk(processRunner(), "ip", ["-batch", "-"], { input: cmd.createNamespacesBatch(plan) });
  await Promise.all([
    sysctl(plan.fabricNetns, cmd.fabricSysctls()).then(() => batch(plan.fabricNetns, cmd.fabricBatch())),
    ...plan.nodes.map((n) => sysctl(n.netns, cmd.nodeSysctls(n))),
    // Before the workload's interface exists, so that it inherits them; and its loopback up, as a
    // runtime's loopback plugin does before the network's plugin runs (a workload reaches itself over lo).
    ...plan.workloads.map((w) => sysctl(w.netns, cmd.workloadSysctls()).then(() => batch(w.netns, "link set lo up\n"))),
  ]);
  await Promise.all(
    plan.nodes.map(async (n) => {
      await batch(n.netns, cmd.nodeBatch(plan, n, { workloads: false, remoteRoutes: overlay === "routed" }));
      await sysctl(n.netns, cmd.bridgeSysctls(n));
    }),
  );
  await batch(plan.fabricNetns, cmd.fabricPortsBatch(plan));
}

/**
 * Attaches one workload to its node: the veth (host end named by the workload's interface), its
 * addresses and routes, by the lab's own `ip` commands: for workloads moat-cni cannot attach (attach.ts).
 */
export async function attachWorkload(plan: LabPlan, w: PlannedWorkload): Promise<void> {
  const node = plan.nodes.find((n) => n.name === w.node)!;
  await batch(node.netns, cmd.hostEndBatch(w));
  await batch(w.netns, cmd.workloadBatch(w));
}

export interface ListenPort {
  port: number;
  protocol: LabProtocol;
}

/**
 * A listener in the workload's namespace on its addresses and every port given; it stays until killed,
 * and probes from the workload when asked on the unix socket `control`.
 */
export async function startListener(w: PlannedWorkload, ports: readonly ListenPort[], files: { log: string; control: string }, signal?: AbortSignal): Promise<Detached> {
  const hosts = w.ips.map((ip) => ip.text);
  const specs = ports.filter((p) => p.protocol !== "ICMP").map((p) => ({ protocol: p.protocol, port: p.port, hosts }));
  const proc = spawnDetached("ip", ["netns", "exec", w.netns, process.execPath, "--input-type=module", "-e", PROBE_AGENT_SOURCE, w.netns, "--serve", JSON.stringify(specs), "--control", files.control], { log: files.log });
  await waitForLog(`the listener of ${w.id}`, proc, files.log, /"ready":true/, { timeoutMs: 20_000, ...(signal ? { signal } : {}) });
  return proc;
}

/**
 * With --overlay vxlan an agent reports its Plan in force before it knows its peers' underlay
 * addresses (they come from their reports); the lab is ready once every node routes every other
 * node's workloads through the overlay device.
 */
export async function waitForOverlayRoutes(plan: LabPlan, device: string, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<number> {
  const start = Date.now();
  const missing = async () => {
    const out: string[] = [];
    for (const n of plan.nodes) {
      const have = new Set<string>();
      for (const family of ["-4", "-6"]) {
        const r = await processRunner(n.netns).run("ip", ["-j", family, "route", "show", "dev", device]);
        if (r.code === 0) for (const route of JSON.parse(r.stdout || "[]") as { dst?: string }[]) if (route.dst) have.add(route.dst.replace(/\/(32|128)$/, ""));
      }
      for (const route of n.remoteRoutes) if (!have.has(route.dst.replace(/\/(32|128)$/, ""))) out.push(`${n.name}: ${route.dst}`);
    }
    return out;
  };
  for (;;) {
    opts.signal?.throwIfAborted();
    const left = await missing();
    if (!left.length) return Date.now() - start;
    if (Date.now() - start > opts.timeoutMs) throw new Unavailable(`the overlay did not route every remote workload within ${opts.timeoutMs} ms; missing ${left.slice(0, 5).join(", ")}${left.length > 5 ? ", ..." : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
