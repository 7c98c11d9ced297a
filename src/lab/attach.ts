// How `moat lab up` attaches a workload to its node: as a container runtime would, by running `moat-cni`
// ADD with the CNI_* environment and a network config on stdin. The plugin then does in the node's
// namespace (hostNetns) what it does on a real host: the veth, the address from the server's IPAM, the
// Workload adopted (the lab declared it ahead, with its ports and labels) and the wait until the node's
// agent enforces it. The plugin attaches one IPv4 address from the network's subnets; a workload it
// cannot attach (IPv6, several addresses, an address outside its network's subnets) keeps the lab's
// own `ip` commands, and the reason is said.
import { fileURLToPath } from "node:url";
import { processRunner } from "../dataplane/index.js";
import { Unavailable } from "../errors/index.js";
import { cidrContains, type Model, type Workload } from "../model/index.js";
import { WORKLOAD_INTERFACE, type LabPlan, type PlannedWorkload } from "./plan.js";

/** bin/moat-cni beside src/ and dist/, as MOAT_BIN. */
export const MOAT_CNI_BIN = fileURLToPath(new URL("../../bin/moat-cni", import.meta.url));
/** How long an ADD may wait for the node's agent; agents start while workloads attach. */
const ADD_TIMEOUT_MS = 30_000;

export interface CniInvocation {
  env: Record<string, string>;
  config: Record<string, unknown>;
}

export type AttachRoute = { via: "cni"; invocation: CniInvocation } | { via: "lab"; why: string };

/**
 * How one workload is attached (pure): the moat-cni ADD a runtime would run for it, or why the lab
 * wires it itself. `server` and `tokenFile` are the lab's server.
 */
export function attachRoute(plan: LabPlan, model: Pick<Model, "networks" | "workloads">, w: PlannedWorkload, server: { url: string; tokenFile: string }): AttachRoute {
  const workload = model.workloads.find((x) => x.id === w.id)!;
  const network = model.networks.find((n) => n.name === workload.network);
  const [ip, ...more] = workload.ips;
  if (!ip || more.length || ip.family !== 4) return { via: "lab", why: "moat-cni attaches one IPv4 address" };
  if (!network?.subnets.some((c) => cidrContains(c, ip))) return { via: "lab", why: `${ip.text} is in none of network ${workload.network}'s subnets, where moat's IPAM allocates` };
  const node = plan.nodes.find((n) => n.name === w.node)!;
  return {
    via: "cni",
    invocation: {
      env: {
        CNI_COMMAND: "ADD",
        // The workload's namespace stands for its container: unique in the lab, and in [A-Za-z0-9_.-].
        CNI_CONTAINERID: w.netns,
        CNI_NETNS: `/run/netns/${w.netns}`,
        CNI_IFNAME: WORKLOAD_INTERFACE,
        CNI_ARGS: podArgs(workload, ip.text),
        CNI_PATH: "/usr/lib/cni:/opt/cni/bin",
      },
      config: {
        cniVersion: "1.0.0",
        name: workload.network,
        type: "moat-cni",
        network: workload.network,
        server: server.url,
        tokenFile: server.tokenFile,
        node: w.node,
        hostNetns: node.netns,
        timeoutMs: ADD_TIMEOUT_MS,
        ipam: { type: "moat" },
        ...(w.mode === "bridged" && w.gateways[4] ? { gateway: w.gateways[4] } : {}),
      },
    },
  };
}

/** rkt's IP= for the declared address, and the pod's name as Kubernetes runtimes pass it. */
function podArgs(w: Workload, ip: string): string {
  return [`IP=${ip}`, `K8S_POD_NAME=${w.name}`, ...(w.namespace ? [`K8S_POD_NAMESPACE=${w.namespace}`] : [])].join(";");
}

export interface CniAdded {
  /** The CNI result moat-cni printed. */
  result: { ips?: { address: string }[]; interfaces?: { name: string }[] };
  ms: number;
}

/** Runs moat-cni ADD; a CNI error (exit 1, the error JSON on stdout) becomes an Unavailable naming the workload. */
export async function runCniAdd(workloadId: string, inv: CniInvocation, signal?: AbortSignal): Promise<CniAdded> {
  const started = Date.now();
  const { code, stdout, stderr } = await processRunner().run(process.execPath, [MOAT_CNI_BIN], { input: JSON.stringify(inv.config), env: inv.env, ...(signal ? { signal } : {}) });
  let parsed: Record<string, unknown> | undefined;
  try {
    parsed = JSON.parse(stdout) as Record<string, unknown>;
  } catch {
    // not JSON: reported below with what it printed
  }
  if (code !== 0 || !parsed) {
    const msg = typeof parsed?.msg === "string" ? `${parsed.msg}${typeof parsed.details === "string" && parsed.details ? ` (${parsed.details})` : ""}` : (stderr.trim() || stdout.trim() || `exit ${code}`);
    throw new Unavailable(`moat-cni ADD of workload ${workloadId} failed: ${msg}`);
  }
  return { result: parsed as CniAdded["result"], ms: Date.now() - started };
}
