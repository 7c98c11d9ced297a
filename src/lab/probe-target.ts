// Which addresses a probe uses: from a workload's own address of the target's family, to a workload
// (by id, its first address of the family asked, IPv4 first) or to a literal address. Pure.
import { show, type Family } from "../model/index.js";
import { toIp } from "./addresses.js";
import type { LabProtocol } from "./probe-agent.js";
import type { LabPlan, PlannedWorkload } from "./plan.js";

export interface ProbeRequest {
  from: string;
  /** A workload id, or an IP address. */
  to: string;
  /** Ignored for ICMP (an echo request). */
  port: number;
  protocol: LabProtocol;
  family?: Family;
  timeoutMs?: number;
  /**
   * Send from this address instead of the workload's own: it must exist in the workload's namespace
   * (add it with workloadRunner). For spoofing tests; see Lab.udpSeen.
   */
  source?: string;
}

export interface ResolvedProbe {
  from: PlannedWorkload;
  source: string;
  host: string;
  family: Family;
}

const PROTOCOLS: readonly string[] = ["TCP", "UDP", "ICMP"];

export function resolveProbe(plan: LabPlan, req: ProbeRequest): ResolvedProbe {
  const from = workloadOf(plan, req.from);
  if (!PROTOCOLS.includes(req.protocol)) {
    throw new Error(`the lab probes TCP, UDP and ICMP only, not ${show(req.protocol)} (Node has no SCTP)`);
  }
  if (req.protocol !== "ICMP" && !(Number.isInteger(req.port) && req.port >= 1 && req.port <= 65535)) throw new Error(`${show(req.port)} is not a port number`);
  const target = plan.workloads.find((w) => w.id === req.to);
  let host: string;
  let family: Family;
  if (target) {
    family = req.family ?? (target.ips.some((ip) => ip.family === 4) ? 4 : 6);
    const ip = target.ips.find((i) => i.family === family);
    if (!ip) throw new Error(`workload ${show(target.id)} has no IPv${family} address`);
    host = ip.text;
  } else {
    const ip = toIp(req.to);
    if (!ip) throw new Error(`${show(req.to)} is neither a workload of the lab nor an IP address`);
    if (req.family && req.family !== ip.family) throw new Error(`${ip.text} is not an IPv${req.family} address`);
    host = ip.text;
    family = ip.family;
  }
  if (req.source !== undefined) {
    const forced = toIp(req.source);
    if (!forced || forced.family !== family) throw new Error(`${show(req.source)} is not an IPv${family} address to probe ${host} from`);
    return { from, source: forced.text, host, family };
  }
  const source = from.ips.find((i) => i.family === family);
  if (!source) throw new Error(`workload ${show(from.id)} has no IPv${family} address to probe ${host} from`);
  return { from, source: source.text, host, family };
}

export function workloadOf(plan: LabPlan, id: string): PlannedWorkload {
  const w = plan.workloads.find((x) => x.id === id);
  if (!w) throw new Error(`${show(id)} is not a workload of the lab (${plan.workloads.map((x) => x.id).join(", ")})`);
  return w;
}

/** Runs fn over items with at most `limit` at a time; results keep the order of items. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}
