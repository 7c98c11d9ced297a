// Walks one packet through a Plan's chains as netfilter would: rules in order, jumps push a frame,
// gotos replace it, RETURN or the end of a chain pops it, and the end of the entry chain hands the
// packet back to the built-in chain ("continue").
import { IDENTITY_MASK, L4, type Match, type Plan, type PlanSet } from "../compile/index.js";
import type { Packet, PassResult, TraceStep } from "./packet.js";
import { setMatches } from "./sets.js";


function matches(plan: Plan, sets: Map<string, PlanSet>, m: Match, p: Packet): boolean {
  if (m.family && m.family !== p.src.family) return false;
  if (m.srcAddr && `${p.src.text}/${p.src.family === 4 ? 32 : 128}` !== m.srcAddr) return false;
  if (m.inInterface && m.inInterface !== p.inIface) return false;
  if (m.physdevIn && m.physdevIn !== p.physIn) return false;
  if (m.protocol && L4[p.protocol] !== m.protocol) return false;
  // Flows carry no ICMP type: they are new connections, never neighbour discovery.
  if (m.icmpv6Type !== undefined) return false;
  if (m.dports && !(p.dport !== undefined && m.dports.some((r) => r.start <= p.dport! && p.dport! <= r.end))) return false;
  if (m.ctstate && !m.ctstate.includes(p.ctstate)) return false;
  if (m.identity && m.identity.values.includes((p.mark ?? 0) & IDENTITY_MASK) === !!m.identity.negate) return false;
  for (const s of m.sets ?? []) {
    const set = sets.get(s.set);
    if (!set) throw new Error(`plan for ${plan.node} names a set it does not define: ${s.set}`);
    if (!setMatches(set, s, p)) return false;
  }
  return true;
}

const setIndex = new WeakMap<Plan, Map<string, PlanSet>>();

export function walkPlan(plan: Plan, p: Packet): PassResult {
  let sets = setIndex.get(plan);
  if (!sets) setIndex.set(plan, (sets = new Map(plan.sets.map((s) => [s.name, s]))));
  const chains = new Map(plan.chains.map((c) => [c.name, c]));
  const trace: TraceStep[] = [];
  const stack: { chain: string; next: number }[] = [{ chain: plan.hooks[0]!.chain, next: 0 }];
  for (let steps = 0; stack.length; steps++) {
    if (steps > 100_000) throw new Error(`plan for ${plan.node} loops`);
    const frame = stack[stack.length - 1]!;
    const chain = chains.get(frame.chain);
    if (!chain) throw new Error(`plan for ${plan.node} jumps to a chain it does not define: ${frame.chain}`);
    const rule = chain.rules[frame.next];
    if (!rule) {
      stack.pop();
      continue;
    }
    frame.next++;
    if (!matches(plan, sets, rule.match, p)) continue;
    trace.push({ chain: chain.name, rule: frame.next - 1, comment: rule.comment });
    const v = rule.verdict;
    switch (v.kind) {
      case "accept":
        return { outcome: "accept", trace };
      case "drop":
        return { outcome: "drop", trace };
      case "reject":
        return { outcome: "reject", trace };
      case "return":
        stack.pop();
        break;
      case "jump":
        stack.push({ chain: v.chain, next: 0 });
        break;
      case "goto":
        stack[stack.length - 1] = { chain: v.chain, next: 0 };
        break;
      case "log":
        break;
      case "mark":
        // The packet goes on with its new mark (a flow carries it to the next node over the overlay).
        p.mark = (((p.mark ?? 0) & ~IDENTITY_MASK) | v.identity) >>> 0;
        break;
    }
  }
  return { outcome: "continue", trace };
}
