// Set membership as ipset answers it, read from the members' own text so that a Plan read back from
// the kernel can be checked the same way as a compiled one.
import { cidrContains, parseCidr, type Cidr } from "../model/index.js";
import { L4, type PlanSet, type SetMatch } from "../compile/index.js";
import type { Packet } from "./packet.js";

interface Member {
  cidr: Cidr;
  iface?: { name: string; physdev: boolean };
  port?: { protocol: string; port: number };
}

const parsedSets = new WeakMap<PlanSet, Member[]>();

function members(set: PlanSet): Member[] {
  let out = parsedSets.get(set);
  if (out) return out;
  out = [...set.v4, ...set.v6].map((text) => {
    const [net, extra] = text.split(",");
    const cidr = parseCidr(net!);
    if (!cidr.ok) throw new Error(`set ${set.name}: bad member ${text}`);
    const m: Member = { cidr: cidr.value };
    if (set.kind === "net-iface") m.iface = extra!.startsWith("physdev:") ? { name: extra!.slice(8), physdev: true } : { name: extra!, physdev: false };
    if (set.kind === "net-port") {
      const [protocol, port] = extra!.split(":");
      m.port = { protocol: protocol!, port: Number(port) };
    }
    return m;
  });
  parsedSets.set(set, out);
  return out;
}


export function setMatches(set: PlanSet, match: SetMatch, p: Packet): boolean {
  const addr = match.dirs[0] === "src" ? p.src : p.dst;
  const hit = members(set).some((m) => {
    if (!cidrContains(m.cidr, addr)) return false;
    if (m.iface) {
      const out = match.dirs[1] === "dst";
      const actual = m.iface.physdev ? (out ? p.physOut : p.physIn) : out ? p.outIface : p.inIface;
      if (actual !== m.iface.name) return false;
    }
    if (m.port) {
      if (L4[p.protocol] !== m.port.protocol || p.dport !== m.port.port) return false;
    }
    return true;
  });
  return match.negate ? !hit : hit;
}
