// `moat lab up`: a lab that outlives the command. Manifests completed (lab-manifests.ts) and planned
// (plan.ts) before anything is made; then hosts and a server at once, the manifests into the server,
// an agent per node, each workload attached (through moat-cni where it can: attach.ts) and listening,
// and a wait until every agent enforces.
// The folder and its state come first, so that whatever happens next `lab down` finds it all; a
// failure (or an abort) tears down what was made before it rethrows.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { api } from "../client/index.js";
import { BadRequest, Conflict, InvalidInput, Unavailable } from "../errors/index.js";
import type { Model } from "../model/index.js";
import { OVERLAY_DEVICE } from "../overlay/index.js";
import { declaredPorts, type PortProbe } from "../policy/index.js";
import type { ParsedSources } from "../service/index.js";
import { startLabAgent, startLabServer, waitForAgents } from "./control-plane.js";
import { labDown } from "./down.js";
import { attachRoute, runCniAdd } from "./attach.js";
import { attachWorkload, buildHosts, startListener, waitForOverlayRoutes, type ListenPort } from "./hosts.js";
import { createLabDir, labDir, labNamespacePrefix, readState, writeState, type LabState } from "./lab-dir.js";
import { labManifests } from "./lab-manifests.js";
import { listNamespaces } from "./netns.js";
import { planLab, type LabPlan } from "./plan.js";
import { KernelToolsMissing, requireKernelTools } from "./preflight.js";

export interface LabUpOptions {
  name: string;
  parsed: ParsedSources;
  /** Workloads without spec.node are spread over this many nodes. */
  nodes: number;
  overlay: "routed" | "vxlan";
  /** Ports every workload listens on beside the declared ones. */
  ports: PortProbe[];
  progress: (line: string) => void;
  signal?: AbortSignal;
}

export interface LabUp {
  state: LabState;
  model: Model;
  plan: LabPlan;
  ms: number;
}

const PROBED = new Set(["TCP", "UDP", "ICMP"]);
const AGENTS_TIMEOUT_MS = 30_000;

/** The lab's ports: those asked for, then those the workloads declare, each once. */
export function labPorts(model: Model, asked: PortProbe[]): ListenPort[] {
  const out = new Map<string, ListenPort>();
  for (const p of [...asked, ...declaredPorts(model)]) {
    if (!PROBED.has(p.protocol)) throw new BadRequest(`--port ${p.port ?? ""}/${p.protocol.toLowerCase()}: the lab probes TCP, UDP and ICMP only`);
    out.set(`${p.port ?? ""}/${p.protocol}`, { port: p.port ?? 0, protocol: p.protocol as ListenPort["protocol"] });
  }
  if (!out.size) throw new BadRequest("no --port given and no workload declares spec.ports: the lab has nothing to listen on");
  return [...out.values()];
}

export async function labUp(opts: LabUpOptions): Promise<LabUp> {
  const started = Date.now();
  const { model, text } = labManifests(opts.parsed, opts.nodes);
  const ports = labPorts(model, opts.ports);
  const prefix = labNamespacePrefix(opts.name);
  const planned = planLab(model, prefix);
  if (!planned.ok) throw new InvalidInput(planned.issues);
  const plan = planned.value;
  // Before anything is made: not root, or no ip/iptables/nft, would fail half-way.
  await requireKernelTools().catch((e: unknown) => {
    if (!(e instanceof KernelToolsMissing)) throw e;
    throw new Unavailable(`moat lab cannot build a lab here: ${e.problems.join("; ")} (as root, bash scripts/setup.sh installs the tools)`);
  });
  const dir = labDir(opts.name);
  const clash = (await listNamespaces()).filter((n) => n.startsWith(prefix));
  if (readState(dir) || existsSync(dir.root) || clash.length) {
    throw new Conflict(`lab ${opts.name} exists already (${clash.length ? `namespaces ${clash.join(", ")}` : dir.root}); remove it with: moat lab down --name ${opts.name}`);
  }

  const state: LabState = {
    name: opts.name,
    prefix,
    overlay: opts.overlay,
    status: "building",
    nodes: Object.fromEntries(plan.nodes.map((n) => [n.name, n.netns])),
    ports: ports.map((p) => (p.protocol === "ICMP" ? { protocol: "ICMP" } : p)),
  };
  createLabDir(dir);
  writeFileSync(dir.manifests, text);
  writeState(dir, state);
  const say = (line: string) => opts.progress(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);
  const signal = opts.signal;
  try {
    say(`lab ${opts.name}: ${plan.nodes.length} node${plan.nodes.length === 1 ? "" : "s"}, ${plan.workloads.length} workloads, ports ${ports.map((p) => (p.protocol === "ICMP" ? "icmp" : `${p.port}/${p.protocol.toLowerCase()}`)).join(" ")} (${opts.overlay})`);
    const [hosts, served] = await Promise.allSettled([buildHosts(plan, opts.overlay), startLabServer(dir, signal)]);
    if (hosts.status === "rejected") throw hosts.reason;
    if (served.status === "rejected") throw served.reason;
    const server = served.value;
    state.server = { url: server.url, tokenFile: server.tokenFile };
    writeState(dir, state);
    say(`hosts: ${plan.nodes.map((n) => `${n.name} (${n.netns})`).join(", ")}; moat server on ${server.url}`);
    const applied = await api.apply(server.client, text);
    say(`manifests applied through the API: revision ${applied.revision}, ${applied.created.length} resources`);
    const attached: { id: string; ms: number }[] = [];
    const byLab: string[] = [];
    const steps = await Promise.allSettled([
      ...plan.nodes.map((n) => startLabAgent(dir, server, n.name, n.netns, opts.overlay, signal)),
      ...plan.workloads.map(async (w) => {
        const route = attachRoute(plan, model, w, server);
        if (route.via === "cni") attached.push({ id: w.id, ms: (await runCniAdd(w.id, route.invocation, signal)).ms });
        else {
          await attachWorkload(plan, w);
          byLab.push(`${w.id} (${route.why})`);
        }
        await startListener(w, ports, { log: join(dir.logs, `listener-${w.netns}.log`), control: dir.control(w.netns) }, signal);
      }),
    ]);
    const failed = steps.find((s) => s.status === "rejected");
    if (failed) throw failed.reason;
    say(`agents started on ${plan.nodes.length} nodes; ${plan.workloads.length} workloads listening`);
    if (attached.length) {
      const slowest = attached.reduce((a, b) => (b.ms > a.ms ? b : a));
      say(`${attached.length} attached through moat-cni ADD, each enforced on its node when ADD returned (slowest ${slowest.id}, ${slowest.ms} ms)`);
    }
    if (byLab.length) say(`${byLab.length} attached by the lab itself: ${byLab.join(", ")}`);
    const ms = await waitForAgents(server.client, plan.nodes.map((n) => n.name), { timeoutMs: AGENTS_TIMEOUT_MS, ...(signal ? { signal } : {}) });
    say(`every agent enforces the store's latest revision (${ms} ms later)`);
    if (opts.overlay === "vxlan") {
      const routed = await waitForOverlayRoutes(plan, OVERLAY_DEVICE, { timeoutMs: AGENTS_TIMEOUT_MS, ...(signal ? { signal } : {}) });
      say(`every node routes the other nodes' workloads through ${OVERLAY_DEVICE} (${routed} ms later)`);
    }
    state.status = "ready";
    writeState(dir, state);
    return { state, model, plan, ms: Date.now() - started };
  } catch (err) {
    await labDown(opts.name).catch(() => {});
    throw err;
  }
}
