// The second view on a live node (DESIGN.md): the rules read back from its kernel, walked for every flow
// between its workloads and the others on every declared port, compared with decide. Pure: the caller
// reads the kernel and hands in the analyzed text and the other nodes' Plans.
import { compile, type Plan } from "../compile/index.js";
import type { Model, Workload } from "../model/index.js";
import { decide, declaredPorts, lookup, type Flow } from "../policy/index.js";
import { UPLINK, walkPlan, type Packet } from "../simulate/index.js";
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

export function verifyNode(model: Model, node: string, kernel: AnalyzedRuleset, plans: ReadonlyMap<string, Plan> = new Map()): VerifyReport {
  const l = lookup(model);
  const planOf = new Map(plans);
  const notes = new Set<string>();
  const report: VerifyReport = { node, flows: 0, agree: 0, disagreements: [], notes: [] };
  for (const { from, to, flow } of nodeFlows(model, node)) {
    report.flows++;
    const expected = decide(model, flow);
    const nodes = [...new Set([l.workloadAt(flow.src)?.node, l.workloadAt(flow.dst)?.node].filter((n): n is string => !!n))];
    let allowed = true;
    let deciding: { walk?: RulesWalk; node: string; verdict: string } = { node, verdict: "ACCEPT" };
    for (const n of nodes) {
      if (n === node) {
        const walk = walkRuleset(kernel, analyzedPacketOf(model, flow, n));
        for (const note of walk.notes) notes.add(note);
        deciding = { walk, node: n, verdict: walk.verdict };
        if (!walk.allowed) {
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
    const rule = deciding.walk?.rule;
    report.disagreements.push({
      from: from.id,
      to: to.id,
      src: flow.src.text,
      dst: flow.dst.text,
      protocol: flow.protocol,
      port: flow.port ?? null,
      decide: { allowed: expected.allowed, reason: expected.reason },
      kernel: { allowed, verdict: deciding.verdict, node: deciding.node, rule: rule ? { file: rule.loc.file, line: rule.loc.line, chain: rule.chain, text: `-A ${rule.chain} ${rule.text}` } : null },
    });
  }
  report.notes = [...notes];
  return report;
}
