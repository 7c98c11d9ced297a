// `moat lab probe`: real connections between the lab's workloads, beside what the lab's server
// declares (its matrix: decide on the stored model). It waits for the agents to enforce the latest
// revision first, so a change written through the API shows in the next probe.
import { readFileSync } from "node:fs";
import { api } from "../client/index.js";
import { InvalidInput, NotFound, Unavailable } from "../errors/index.js";
import type { Family, Protocol } from "../model/index.js";
import type { Probe } from "../policy/index.js";
import { parseSources } from "../service/index.js";
import { labClient, waitForAgents } from "./control-plane.js";
import { labDir, readState, type LabState } from "./lab-dir.js";
import { labManifests } from "./lab-manifests.js";
import { planLab, type PlannedWorkload } from "./plan.js";
import { connectProbeAgent, type LabProtocol, type ProbeAgent } from "./probe-agent.js";
import { mapLimit } from "./probe-target.js";

export interface LabProbe {
  from: string;
  to: string;
  port: number | null;
  protocol: Protocol;
  /** What the real connection did. */
  allowed: boolean;
  /** What the server's model says (decide). */
  declared: boolean;
  reason: string;
  /** The probe's outcome: the listener's line, the error, or the timeout. */
  detail: string;
}

export interface LabProbeAnswer {
  state: LabState;
  probes: LabProbe[];
  /** Pairs of the server's matrix that the lab has no namespace for (workloads added through the API). */
  skipped: number;
}

export function readyLab(name: string): LabState {
  const state = readState(labDir(name));
  if (!state) throw new NotFound(`there is no lab ${name}: build one with moat lab up -f FILE --name ${name}`);
  if (state.status !== "ready" || !state.server) throw new Unavailable(`lab ${name} was not finished (a crash while it was built?); remove it with: moat lab down --name ${name}`);
  return state;
}

/** The lab's hosts as planned when it was built (the manifests kept in its folder, planned again: pure). */
function labWorkloads(name: string, state: LabState): PlannedWorkload[] {
  const dir = labDir(name);
  const { model } = labManifests(parseSources([{ name: dir.manifests, text: readFileSync(dir.manifests, "utf8") }]), 1);
  const planned = planLab(model, state.prefix);
  if (!planned.ok) throw new InvalidInput(planned.issues);
  return planned.value.workloads;
}

function addresses(a: PlannedWorkload, b: PlannedWorkload): { source: string; host: string } | undefined {
  for (const family of [4, 6] as Family[]) {
    const source = a.ips.find((ip) => ip.family === family);
    const host = b.ips.find((ip) => ip.family === family);
    if (source && host) return { source: source.text, host: host.text };
  }
  return undefined;
}

export async function labProbe(name: string, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<LabProbeAnswer> {
  const state = readyLab(name);
  const client = labClient(state.server!.url, state.server!.tokenFile);
  await waitForAgents(client, Object.keys(state.nodes), { timeoutMs: 30_000, ...(opts.signal ? { signal: opts.signal } : {}) });
  const declared = (await api.matrix(client, state.ports)).probes as Probe[];
  const workloads = new Map(labWorkloads(name, state).map((w) => [w.id, w]));
  const inLab = declared.filter((p) => workloads.has(p.from) && workloads.has(p.to));
  const sources = [...new Set(inLab.map((p) => p.from))];
  const agents = new Map<string, ProbeAgent>();
  try {
    const dir = labDir(name);
    const started = await Promise.allSettled(sources.map(async (id) => agents.set(id, await connectProbeAgent(dir.control(workloads.get(id)!.netns), workloads.get(id)!.netns))));
    const failed = started.find((s) => s.status === "rejected");
    if (failed) throw failed.reason;
    const timeoutMs = opts.timeoutMs ?? 1000;
    const probeOne = async (p: Probe, wait: number): Promise<LabProbe & { timedOut: boolean }> => {
      opts.signal?.throwIfAborted();
      const pair = addresses(workloads.get(p.from)!, workloads.get(p.to)!);
      const base = { from: p.from, to: p.to, port: p.port, protocol: p.protocol, declared: p.allowed, reason: p.reason };
      if (!pair) return { ...base, allowed: false, detail: "no address family in common", timedOut: false };
      const res = await agents.get(p.from)!.probe({ protocol: p.protocol as LabProtocol, host: pair.host, port: p.port ?? 0, source: pair.source, timeoutMs: wait });
      if (res.outcome === "error") throw new Unavailable(`probe ${p.protocol} ${p.from} -> ${p.to} port ${p.port ?? "-"} failed in the lab itself: ${res.detail}`);
      return { ...base, allowed: res.outcome === "connected", detail: res.detail, timedOut: res.outcome === "timeout" };
    };
    const first = await mapLimit(inLab, 64, (p) => probeOne(p, timeoutMs));
    // A loaded machine can be slow to answer: a cell declared allowed that got no answer at all (not a
    // refusal) is asked once more with more time before it counts as blocked.
    const probes = await mapLimit(first, 64, async (r, i) => (r.timedOut && r.declared ? probeOne(inLab[i]!, timeoutMs * 4) : r));
    return { state, probes: probes.map(({ timedOut: _, ...p }) => p), skipped: declared.length - inLab.length };
  } finally {
    await Promise.allSettled([...agents.values()].map((a) => a.stop()));
  }
}
