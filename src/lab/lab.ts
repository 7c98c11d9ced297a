// The lab: real hosts in network namespaces, for kernel tests that compare real connections with decide.
//
// Goals: a Model's nodes and workloads as namespaces in about a second; probes fast enough that a full
// matrix takes seconds; nothing left behind on the machine, even when a test fails half-way.
//
// How it works: planLab (pure) decides every name, address and route; this module creates the
// namespaces (`<prefix>fab`, `<prefix>n<i>` per node, `<prefix>w<j>` per workload), feeds each one an
// `ip -batch` script from commands.ts, and starts one probe agent per workload namespace. Nodes hang
// off a bridge in the fabric namespace; each routes the other nodes' workload addresses (/32, /128) to
// their fabric address. Routed workloads reach their node through a veth whose host end is the
// workload's `interface`; bridged ones through a port of a Linux bridge that has a gateway address and
// answers ARP/NDP for same-subnet workloads elsewhere. Rules under test go into the node namespaces
// through nodeRunner, so the FORWARD chain of a node sees exactly the traffic of its workloads.
//
// State and cleanup: a Lab owns its namespaces and agents. destroy() stops agents, kills anything
// left inside the namespaces and deletes them; it is idempotent and may be retried after a failure.
// A failure while creating destroys what was made before rethrowing. Agents exit when their stdin
// closes, so a crashed test process leaves only names, which cleanupLabs(prefix) removes.
import { processRunner, runOk, type Runner } from "../dataplane/index.js";
import { formatIssue, type Family, type Issue } from "../model/index.js";
import { startProbeAgent, type ProbeAgent, type LabProtocol } from "./probe-agent.js";
import * as cmd from "./commands.js";
import { deleteNamespaces, listNamespaces } from "./netns.js";
import { planLab, type LabPlan, type PlannedNode } from "./plan.js";
import { mapLimit, resolveProbe, workloadOf, type ProbeRequest } from "./probe-target.js";
import type { LabSpec } from "./spec.js";

export interface CreateLabOptions {
  /** Every namespace name starts with it, e.g. labPrefix(). */
  prefix: string;
  /** How long a probe waits before it reads as "timeout" (a DROP). Default 400 ms. */
  timeoutMs?: number;
  /** Probes in flight at once in probeMany. Default 128. */
  concurrency?: number;
}

export type ProbeOutcome = "connected" | "refused" | "timeout";

export interface ProbeResult {
  from: string;
  to: string;
  /** The addresses actually used. */
  source: string;
  host: string;
  port: number;
  protocol: LabProtocol;
  connected: boolean;
  outcome: ProbeOutcome;
  /** The listener's line or "echoed", the error code, or the timeout. */
  detail: string;
  ms: number;
}

export interface Lab {
  readonly prefix: string;
  readonly plan: LabPlan;
  /** Milliseconds createLab took, namespaces to ready agents. */
  readonly createdInMs: number;
  nodeRunner(node: string): Runner;
  workloadRunner(workloadId: string): Runner;
  listen(workloadId: string, port: number, protocol: LabProtocol): Promise<void>;
  /** listen on every workload of the lab. */
  listenAll(port: number, protocol: LabProtocol): Promise<void>;
  probe(from: string, to: string, port: number, protocol: LabProtocol, opts?: { family?: Family; timeoutMs?: number; source?: string }): Promise<ProbeResult>;
  probeMany(list: readonly ProbeRequest[], opts?: { concurrency?: number }): Promise<ProbeResult[]>;
  /**
   * Who reached the workload's UDP listeners since the last call (distinct port and source address):
   * proof of delivery when no reply can come back, as with a spoofed source.
   */
  udpSeen(workloadId: string): Promise<{ port: number; from: string }[]>;
  /**
   * Forgets learned ARP/NDP entries in every namespace (static ones stay). A rule that blocked NDP on a
   * bridge leaves neighbours INCOMPLETE for up to 3 s after it is gone; call this between test cases.
   */
  flushNeighbors(): Promise<void>;
  destroy(): Promise<void>;
}

export class LabSpecInvalid extends Error {
  constructor(readonly issues: Issue[]) {
    super(`the lab cannot be built:\n${issues.map((i) => `  - ${formatIssue(i)}`).join("\n")}`);
  }
}

/** A fresh prefix: `mtl` and four random characters, short enough for every namespace name. */
export function labPrefix(): string {
  return `mtl${Math.random().toString(36).slice(2, 6).padEnd(4, "0")}-`;
}

export async function createLab(spec: LabSpec, options: CreateLabOptions): Promise<Lab> {
  const started = performance.now();
  const planned = planLab(spec, options.prefix);
  if (!planned.ok) throw new LabSpecInvalid(planned.issues);
  const plan = planned.value;
  const clash = (await listNamespaces()).filter((n) => n.startsWith(plan.prefix));
  if (clash.length) throw new Error(`network namespaces with prefix ${plan.prefix} exist already (${clash.join(", ")}); pick another prefix or run cleanupLabs`);

  const agents = new Map<string, ProbeAgent>();
  let destroying: Promise<void> | undefined;
  const destroy = () => {
    destroying ??= (async () => {
      await Promise.allSettled([...agents.values()].map((a) => a.stop()));
      agents.clear();
      await deleteNamespaces(cmd.namespacesOf(plan));
    })().catch((err: unknown) => {
      destroying = undefined;
      throw err;
    });
    return destroying;
  };

  // Agents need only their namespace; starting them while the network is wired saves most of a second.
  let starting: Promise<PromiseSettledResult<unknown>[]> = Promise.resolve([]);
  try {
    await runOk(processRunner(), "ip", ["-batch", "-"], { input: cmd.createNamespacesBatch(plan) });
    starting = Promise.allSettled(plan.workloads.map(async (w) => agents.set(w.id, await startProbeAgent(w.netns))));
    await configure(plan);
    const failed = (await starting).find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
  } catch (err) {
    await starting;
    await destroy().catch(() => {});
    throw err;
  }

  const timeoutMs = options.timeoutMs ?? 400;
  const agentOf = (id: string): ProbeAgent => {
    const agent = agents.get(workloadOf(plan, id).id);
    if (!agent) throw new Error(`the lab ${plan.prefix} is destroyed`);
    return agent;
  };
  const listen = (id: string, port: number, protocol: LabProtocol) =>
    agentOf(id).listen(protocol, port, workloadOf(plan, id).ips.map((ip) => ip.text));
  const probeOne = async (req: ProbeRequest): Promise<ProbeResult> => {
    const r = resolveProbe(plan, req);
    const res = await agentOf(r.from.id).probe({ protocol: req.protocol, host: r.host, port: req.port, source: r.source, timeoutMs: req.timeoutMs ?? timeoutMs });
    const where = `${req.protocol} ${req.from} (${r.source}) -> ${req.to} (${r.host}) port ${req.port}`;
    if (res.outcome === "error") throw new Error(`probe ${where} failed in the lab itself: ${res.detail}`);
    return { from: req.from, to: req.to, source: r.source, host: r.host, port: req.port, protocol: req.protocol, connected: res.outcome === "connected", outcome: res.outcome, detail: res.detail, ms: res.ms };
  };

  return {
    prefix: plan.prefix,
    plan,
    createdInMs: Math.round(performance.now() - started),
    nodeRunner: (node) => processRunner(nodeOf(plan, node).netns),
    workloadRunner: (id) => processRunner(workloadOf(plan, id).netns),
    listen,
    listenAll: async (port, protocol) => {
      await Promise.all(plan.workloads.map((w) => listen(w.id, port, protocol)));
    },
    probe: (from, to, port, protocol, opts) => probeOne({ from, to, port, protocol, ...opts }),
    probeMany: (list, opts) => mapLimit(list, opts?.concurrency ?? options.concurrency ?? 128, probeOne),
    udpSeen: async (id) => {
      const distinct = new Map((await agentOf(id).seen()).map((d) => [`${d.port} ${d.from}`, d]));
      return [...distinct.values()];
    },
    flushNeighbors: async () => {
      const names = [...plan.nodes.map((n) => n.netns), ...plan.workloads.map((w) => w.netns)];
      await Promise.all(names.map((ns) => runOk(processRunner(ns), "ip", ["neigh", "flush", "all"])));
    },
    destroy,
  };
}

function nodeOf(plan: LabPlan, name: string): PlannedNode {
  const node = plan.nodes.find((n) => n.name === name);
  if (!node) throw new Error(`${JSON.stringify(name)} is not a node of the lab (${plan.nodes.map((n) => n.name).join(", ")})`);
  return node;
}

async function configure(plan: LabPlan): Promise<void> {
  const batch = (ns: string, input: string) => runOk(processRunner(ns), "ip", ["-batch", "-"], { input });
  const sysctl = async (ns: string, settings: string[]) => {
    if (settings.length) await runOk(processRunner(ns), "sysctl", ["-q", "-w", ...settings]);
  };

  await Promise.all([
    sysctl(plan.fabricNetns, cmd.fabricSysctls()).then(() => batch(plan.fabricNetns, cmd.fabricBatch())),
    ...plan.nodes.map((n) => sysctl(n.netns, cmd.nodeSysctls(n))),
    ...plan.workloads.map((w) => sysctl(w.netns, cmd.workloadSysctls())),
  ]);
  await Promise.all(plan.nodes.map(async (n) => {
    await batch(n.netns, cmd.nodeBatch(plan, n));
    await sysctl(n.netns, cmd.bridgeSysctls(n));
  }));
  await Promise.all([batch(plan.fabricNetns, cmd.fabricPortsBatch(plan)), ...plan.workloads.map((w) => batch(w.netns, cmd.workloadBatch(w)))]);
}
