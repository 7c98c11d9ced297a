// Set membership as the kernel answers it, from the Plan's structured members, so that a Plan read back
// from the kernel (of either backend) can be checked the same way as a compiled one.
import { cidrContains, parseCidr, type Cidr } from "../model/index.js";
import { L4, type PlanSet, type SetMatch } from "../compile/index.js";
import type { Packet } from "./packet.js";

interface Member {
  cidr: Cidr;
  port?: { protocol: string; port: number };
}

const parsedSets = new WeakMap<PlanSet, Member[]>();

function members(set: PlanSet): Member[] {
  let out = parsedSets.get(set);
  if (out) return out;
  out = [...set.v4, ...set.v6].map((m) => {
    const cidr = parseCidr(m.cidr);
    if (!cidr.ok) throw new Error(`set ${set.name}: bad member ${m.cidr}`);
    return m.protocol ? { cidr: cidr.value, port: { protocol: m.protocol, port: m.port! } } : { cidr: cidr.value };
  });
  parsedSets.set(set, out);
  return out;
}

export function setMatches(set: PlanSet, match: SetMatch, p: Packet): boolean {
  const addr = match.dirs[0] === "src" ? p.src : p.dst;
  const hit = members(set).some((m) => {
    if (!cidrContains(m.cidr, addr)) return false;
    if (m.port && (L4[p.protocol] !== m.port.protocol || p.dport !== m.port.port)) return false;
    return true;
  });
  return match.negate ? !hit : hit;
}
