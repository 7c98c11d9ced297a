// Revoking what a new Plan denies: conntrack entries of connections opened under the old rules would
// otherwise outlive the policy that cuts them off (their packets pass as ESTABLISHED). After the rules
// change, every tracked flow is judged again as a new connection by walking the Plan (src/simulate), and
// the entries of those it now denies are deleted; the next packet of such a connection is then judged
// as new, and denied.
import type { Plan } from "../compile/index.js";
import { parseIp, type Protocol } from "../model/index.js";
import { walkPlan, UPLINK, type Packet } from "../simulate/index.js";
import type { Runner } from "./runner.js";
import { runChecked } from "./tools.js";

export interface TrackedFlow {
  family: 4 | 6;
  protocol: string;
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
}

const PROTOCOLS: Record<string, Protocol> = { tcp: "TCP", udp: "UDP", sctp: "SCTP", icmp: "ICMP", icmpv6: "ICMP" };

/** `conntrack -L` lines: the original direction's addresses and ports come first. */
export function parseConntrack(text: string, family: 4 | 6): TrackedFlow[] {
  const out: TrackedFlow[] = [];
  for (const line of text.split("\n")) {
    const protocol = /^\s*(?:ipv[46]\s+\d+\s+)?([a-z0-9]+)\s+\d+/.exec(line)?.[1];
    const src = / src=(\S+)/.exec(line)?.[1];
    const dst = / dst=(\S+)/.exec(line)?.[1];
    if (!protocol || !src || !dst) continue;
    const sport = / sport=(\d+)/.exec(line)?.[1];
    const dport = / dport=(\d+)/.exec(line)?.[1];
    out.push({ family, protocol, src, dst, ...(sport ? { sport: Number(sport) } : {}), ...(dport ? { dport: Number(dport) } : {}) });
  }
  return out;
}

/** The interface a local workload's packets come in on, from the Plan's anti-spoofing rules. */
function interfaces(plan: Plan): Map<string, { inIface?: string; physIn?: string }> {
  const out = new Map<string, { inIface?: string; physIn?: string }>();
  for (const r of plan.chains.find((c) => c.name === "spoof")?.rules ?? []) {
    if (r.verdict.kind !== "return" || !r.match.srcAddr) continue;
    out.set(r.match.srcAddr.replace(/\/\d+$/, ""), r.match.physdevIn ? { physIn: r.match.physdevIn, inIface: "bridge" } : { inIface: r.match.inInterface! });
  }
  return out;
}

/** Whether the Plan denies this flow as a new connection. */
export function deniedByPlan(plan: Plan, flow: TrackedFlow, ifaces = interfaces(plan)): boolean {
  const protocol = PROTOCOLS[flow.protocol];
  const src = parseIp(flow.src);
  const dst = parseIp(flow.dst);
  if (!protocol || !src.ok || !dst.ok) return false;
  const from = ifaces.get(src.value.text);
  // With identities a flow from elsewhere came with its source's identity, which conntrack does not keep
  // and this Plan cannot know from the address: it cannot be judged again here, so it is not cut.
  if (!from && plan.chains.some((c) => c.name === "identity")) return false;
  const p: Packet = { src: src.value, dst: dst.value, protocol, ctstate: "NEW", inIface: from?.inIface ?? UPLINK, ...(from?.physIn ? { physIn: from.physIn } : {}) };
  if (flow.dport !== undefined && protocol !== "ICMP") p.dport = flow.dport;
  const outcome = walkPlan(plan, p).outcome;
  return outcome === "drop" || outcome === "reject";
}

/** Deletes the conntrack entries of flows the Plan denies; returns how many flows were cut. */
export async function revokeDenied(runner: Runner, plan: Plan): Promise<number> {
  const ifaces = interfaces(plan);
  let cut = 0;
  for (const family of [4, 6] as const) {
    const f = family === 4 ? "ipv4" : "ipv6";
    const listed = await runChecked(runner, "conntrack", ["-L", "-f", f]);
    if (listed.code !== 0) continue;
    // Many entries share a flow but for the source port (a client's repeated connections): judge and
    // delete each flow once, all its entries at a time.
    const judged = new Map<string, TrackedFlow | undefined>();
    for (const flow of parseConntrack(listed.stdout, family)) {
      const key = `${flow.protocol} ${flow.src} ${flow.dst} ${flow.dport ?? ""}`;
      if (!judged.has(key)) judged.set(key, deniedByPlan(plan, flow, ifaces) ? flow : undefined);
    }
    for (const flow of judged.values()) {
      if (!flow) continue;
      const args = ["-D", "-f", f, "-p", flow.protocol, "-s", flow.src, "-d", flow.dst];
      if (flow.dport !== undefined && (flow.protocol === "tcp" || flow.protocol === "udp" || flow.protocol === "sctp")) args.push("--dport", String(flow.dport));
      const r = await runner.run("conntrack", args);
      if (r.code === 0) cut++;
    }
  }
  return cut;
}
