// A flow across the cluster: the packet passes FORWARD on the source workload's node, then on the
// destination workload's node (once, when they share a node). Allowed when every pass lets it through.
import { IDENTITY_MASK, OVERLAY_DEVICE, type Plan } from "../compile/index.js";
import type { Model, Workload } from "../model/index.js";
import { lookup, type Flow } from "../policy/index.js";
import type { Packet, PassResult } from "./packet.js";
import { walkPlan } from "./walk.js";

export const UPLINK = "uplink0";

export interface FlowResult {
  allowed: boolean;
  passes: { node: string; result: PassResult }[];
}

/** How one node judges one packet: by default the Plan itself; the property test also passes backends' text. */
export type Walker = (plan: Plan, p: Packet) => PassResult;

export function simulateFlow(model: Model, plans: ReadonlyMap<string, Plan>, flow: Flow, walker: Walker = walkPlan): FlowResult {
  const l = lookup(model);
  const src = l.workloadAt(flow.src);
  const dst = l.workloadAt(flow.dst);
  if (src && src === dst) return { allowed: true, passes: [] };
  const bridgeOf = (w: Workload) => model.networks.find((n) => n.name === w.network)?.bridge;
  const nodes = [...new Set([src?.node, dst?.node].filter((n): n is string => !!n))];
  const passes: FlowResult["passes"] = [];
  // With identities the nodes are joined by the overlay: the second pass comes in on moat.vx with the
  // identity bits of the mark the first pass left (what VXLAN GBP carries).
  const overlay = model.settings.identity === "mark";
  let carried: number | undefined;
  for (const node of nodes) {
    const plan = plans.get(node);
    if (!plan) throw new Error(`no plan for node ${node}`);
    const from = src?.node === node ? src : undefined;
    const to = dst?.node === node ? dst : undefined;
    const p: Packet = { src: flow.src, dst: flow.dst, protocol: flow.protocol, ctstate: "NEW" };
    if (flow.port !== undefined) p.dport = flow.port;
    p.inIface = from ? (bridgeOf(from) ?? from.interface) : overlay && carried !== undefined ? OVERLAY_DEVICE : UPLINK;
    if (!from && carried !== undefined) p.mark = carried & IDENTITY_MASK;
    if (from && bridgeOf(from)) p.physIn = from.interface;
    p.outIface = to ? (bridgeOf(to) ?? to.interface) : UPLINK;
    if (to && from && bridgeOf(to) && bridgeOf(to) === bridgeOf(from)) p.physOut = to.interface;
    const result = walker(plan, p);
    carried = overlay ? (p.mark ?? 0) : undefined;
    passes.push({ node, result });
    if (result.outcome === "drop" || result.outcome === "reject") return { allowed: false, passes };
  }
  return { allowed: true, passes };
}
