// The second view on a live node (DESIGN.md): the rules read back from its kernel, walked for every flow
// between its workloads and the others on every declared port, compared with decide. Pure: the caller
// reads the kernel and hands in the analyzed text and the other nodes' Plans.
import { compile, type Plan } from "../compile/index.js";
import type { Model, Workload } from "../model/index.js";
import { decide, declaredPorts, lookup, type Flow } from "../policy/index.js";
import { parseNftText, UPLINK, walkNft, walkPlan, type Packet } from "../simulate/index.js";
import type { AnalyzedPacket } from "./packet.js";
import type { AnalyzedRuleset } from "./types.js";
import { walkRuleset, type RulesWalk } from "./walk.js";

export interface PassInterfaces {
  inIface: string;
  outIface: string;
  physIn?: string;
  physOut?: string;
}

/** The interfaces a flow's packet has in one node's FORWARD, as the simulator and the lab wire them. */
export function passInterfaces(model: Model, flow: Flow, node: string): PassInterfaces {
  const l = lookup(model);
  const src = l.workloadAt(flow.src);
  const dst = l.workloadAt(flow.dst);
  const bridgeOf = (w: Workload) => model.networks.find((n) => n.name === w.network)?.bridge;
  const from = src?.node === node ? src : undefined;
  const to = dst?.node === node ? dst : undefined;
  const out: PassInterfaces = { inIface: from ? (bridgeOf(from) ?? from.interface ?? "") : UPLINK, outIface: to ? (bridgeOf(to) ?? to.interface ?? "") : UPLINK };
  if (from && bridgeOf(from) && from.interface) out.physIn = from.interface;
  if (to && from && bridgeOf(to) && bridgeOf(to) === bridgeOf(from) && to.interface) out.physOut = to.interface;
  return out;
}

export function analyzedPacketOf(model: Model, flow: Flow, node: string): AnalyzedPacket {
  const proto = flow.protocol.toLowerCase();
  const p: AnalyzedPacket = { src: flow.src, dst: flow.dst, protocol: proto === "icmp" && flow.src.family === 6 ? "ipv6-icmp" : proto, ctstate: "NEW", mark: 0, ...passInterfaces(model, flow, node) };
  if (flow.port !== undefined) p.dport = flow.port;
  if (proto === "icmp") p.icmpType = "echo-request";
  return p;
}

export interface VerifyDisagreement {
  from: string;
  to: string;
  src: string;
  dst: string;
  protocol: string;
  port: number | null;
  decide: { allowed: boolean; reason: string };
  kernel: { allowed: boolean; verdict: string; rule: { file: string; line: number; chain: string; text: string } | null; node: string };
}

export interface VerifyReport {
  node: string;
  flows: number;
  agree: number;
  disagreements: VerifyDisagreement[];
  notes: string[];
}

/** Every ordered pair of a local workload and another workload, on each family they share and each declared port. */
export function nodeFlows(model: Model, node: string): { from: Workload; to: Workload; flow: Flow }[] {
  const ports = declaredPorts(model);
  const out: { from: Workload; to: Workload; flow: Flow }[] = [];
  for (const a of model.workloads) {
    for (const b of model.workloads) {
      if (a === b || (a.node !== node && b.node !== node)) continue;
      for (const family of [4, 6] as const) {
        const src = a.ips.find((ip) => ip.family === family);
        const dst = b.ips.find((ip) => ip.family === family);
        if (!src || !dst) continue;
        for (const p of ports) out.push({ from: a, to: b, flow: { src, dst, protocol: p.protocol, port: p.port } });
      }
    }
  }
  return out;
}

/** How one node's kernel judges a flow's packet: walked through its read-back rules. */
export interface KernelJudgement {
  allowed: boolean;
  verdict: string;
  rule: VerifyDisagreement["kernel"]["rule"];
  notes: string[];
}
export type KernelJudge = (flow: Flow) => KernelJudgement;

/** iptables-save and ipset save text, analyzed. */
export function iptablesJudge(model: Model, node: string, kernel: AnalyzedRuleset): KernelJudge {
  return (flow) => {
    const walk: RulesWalk = walkRuleset(kernel, analyzedPacketOf(model, flow, node));
    const r = walk.rule;
    return { allowed: walk.allowed, verdict: walk.verdict, notes: walk.notes, rule: r ? { file: r.loc.file, line: r.loc.line, chain: r.chain, text: `-A ${r.chain} ${r.text}` } : null };
  };
}

/**
 * moat's nft tables as `nft list table` printed them (moat writes what nft prints back, so the
 * simulator's reader of moat's text reads the kernel's), walked by the same walker as the rendering.
 */
export function nftJudge(model: Model, node: string, listing: string, file: string): KernelJudge {
  const prog = parseNftText(listing);
  const lines = listing.split("\n");
  return (flow) => {
    const ifs = passInterfaces(model, flow, node);
    const p: Packet = { src: flow.src, dst: flow.dst, protocol: flow.protocol, ctstate: "NEW", inIface: ifs.inIface, outIface: ifs.outIface, ...(ifs.physIn ? { physIn: ifs.physIn } : {}), ...(ifs.physOut ? { physOut: ifs.physOut } : {}), ...(flow.port !== undefined ? { dport: flow.port } : {}) };
    const r = walkNft(prog, p);
    const allowed = r.outcome !== "drop" && r.outcome !== "reject";
    const last = r.trace.at(-1);
    const text = last ? prog.chains.get(last.chain)?.[last.rule] : undefined;
    // The listing's line of that rule: the first line after its chain's header that holds its text.
    const header = last ? lines.findIndex((l) => l.trim() === `chain ${last.chain} {`) : -1;
    const at = text !== undefined && header >= 0 ? lines.findIndex((l, i) => i > header && l.trim() === text) : -1;
    return { allowed, verdict: allowed ? "ACCEPT" : r.outcome.toUpperCase(), notes: [], rule: last && text !== undefined ? { file, line: at + 1, chain: last.chain, text } : null };
  };
}

export function verifyNode(model: Model, node: string, kernel: AnalyzedRuleset | KernelJudge, plans: ReadonlyMap<string, Plan> = new Map()): VerifyReport {
  const judge = typeof kernel === "function" ? kernel : iptablesJudge(model, node, kernel);
  const l = lookup(model);
  const planOf = new Map(plans);
  const notes = new Set<string>();
  const report: VerifyReport = { node, flows: 0, agree: 0, disagreements: [], notes: [] };
  for (const { from, to, flow } of nodeFlows(model, node)) {
    report.flows++;
    const expected = decide(model, flow);
    const nodes = [...new Set([l.workloadAt(flow.src)?.node, l.workloadAt(flow.dst)?.node].filter((n): n is string => !!n))];
    let allowed = true;
    let deciding: { judged?: KernelJudgement; node: string; verdict: string } = { node, verdict: "ACCEPT" };
    for (const n of nodes) {
      if (n === node) {
        const judged = judge(flow);
        for (const note of judged.notes) notes.add(note);
        deciding = { judged, node: n, verdict: judged.verdict };
        if (!judged.allowed) {
          allowed = false;
          break;
        }
      } else {
        let plan = planOf.get(n);
        if (!plan) planOf.set(n, (plan = compile(model, n)));
        const ifs = passInterfaces(model, flow, n);
        const p: Packet = { src: flow.src, dst: flow.dst, protocol: flow.protocol, ctstate: "NEW", inIface: ifs.inIface, outIface: ifs.outIface, ...(ifs.physIn ? { physIn: ifs.physIn } : {}), ...(ifs.physOut ? { physOut: ifs.physOut } : {}), ...(flow.port !== undefined ? { dport: flow.port } : {}) };
        const r = walkPlan(plan, p);
        if (r.outcome === "drop" || r.outcome === "reject") {
          allowed = false;
          deciding = { node: n, verdict: r.outcome.toUpperCase() };
          break;
        }
      }
    }
    if (allowed === expected.allowed) {
      report.agree++;
      continue;
    }
    const rule = deciding.judged?.rule ?? null;
    report.disagreements.push({
      from: from.id,
      to: to.id,
      src: flow.src.text,
      dst: flow.dst.text,
      protocol: flow.protocol,
      port: flow.port ?? null,
      decide: { allowed: expected.allowed, reason: expected.reason },
      kernel: { allowed, verdict: deciding.verdict, node: deciding.node, rule },
    });
  }
  report.notes = [...notes];
  return report;
}
