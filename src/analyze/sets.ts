// ipset as the kernel sees it: set types, members (one element per dimension), and membership of a packet.
import { readAddressOrRange } from "./address.js";
import { readPorts } from "./rule.js";
import type { AnalyzedFamily, AnalyzedSet, Direction, SetElement, SetMember, SourceLoc } from "./types.js";
import type { AnalyzedPacket } from "./packet.js";
import { rangeHas } from "./address.js";

const TYPES = new Set([
  "bitmap:ip", "bitmap:ip,mac", "bitmap:port", "hash:ip", "hash:mac", "hash:ip,mac", "hash:net", "hash:net,net", "hash:ip,port", "hash:net,port",
  "hash:ip,port,ip", "hash:ip,port,net", "hash:ip,mark", "hash:net,port,net", "hash:net,iface", "list:set",
]);

export type SetCreate = { ok: true; set: AnalyzedSet } | { ok: false; message: string };

export function readSetCreate(name: string, type: string, options: string[], loc: SourceLoc): SetCreate {
  if (!TYPES.has(type)) return { ok: false, message: `${JSON.stringify(type)} is not a set type the kernel has` };
  const dims = type.slice(type.indexOf(":") + 1).split(",").map((d) => (d === "ip" || d === "net" ? "addr" : d));
  const familyAt = options.indexOf("family");
  const familyText = familyAt >= 0 ? options[familyAt + 1] : undefined;
  let family: AnalyzedFamily | undefined = dims.includes("addr") ? 4 : undefined;
  if (familyText === "inet6" || familyText === "ipv6") family = 6;
  else if (familyText !== undefined && familyText !== "inet" && familyText !== "ipv4") return { ok: false, message: `${JSON.stringify(familyText)} is not a set family (inet or inet6)` };
  return { ok: true, set: { name, type, dims, ...(family ? { family } : {}), loc, members: [] } };
}

export type MemberRead = { ok: true; member: SetMember; hostBits: string[] } | { ok: false; message: string; address: boolean };

export function readSetMember(set: AnalyzedSet, text: string, options: string[], loc: SourceLoc): MemberRead {
  const nomatch = options.includes("nomatch");
  if (set.type === "list:set") return { ok: true, member: { loc, text, elements: [{ kind: "set", name: text }], nomatch }, hostBits: [] };
  const parts = text.split(",");
  if (parts.length !== set.dims.length) return { ok: false, message: `${JSON.stringify(text)} is not a member of a ${set.type} set: it needs ${set.dims.length} part${set.dims.length === 1 ? "" : "s"} separated by commas`, address: set.dims.includes("addr") };
  const elements: SetElement[] = [];
  const hostBits: string[] = [];
  for (const [i, dim] of set.dims.entries()) {
    const p = parts[i]!;
    switch (dim) {
      case "addr": {
        const r = readAddressOrRange(p, set.family);
        if (!r.ok) return { ok: false, message: r.message, address: true };
        if (r.hostBits) hostBits.push(`${JSON.stringify(p)} has host bits set; the set holds ${r.hostBits.meant}`);
        elements.push({ kind: "addr", range: r.range });
        break;
      }
      case "port": {
        const colon = p.indexOf(":");
        const proto = colon < 0 ? "tcp" : p.slice(0, colon).toLowerCase();
        const ports = readPorts((colon < 0 ? p : p.slice(colon + 1)).replace("-", ":"), false);
        if (!ports && !(proto === "icmp" || proto === "icmpv6")) return { ok: false, message: `${JSON.stringify(p)} is not a [PROTO:]PORT`, address: false };
        elements.push({ kind: "port", proto, ranges: ports ?? [] });
        break;
      }
      case "iface":
        elements.push(p.startsWith("physdev:") ? { kind: "iface", name: p.slice(8), physdev: true } : { kind: "iface", name: p, physdev: false });
        break;
      case "mark":
        elements.push({ kind: "mark", value: Number(p) >>> 0 });
        break;
      default:
        elements.push({ kind: "raw", text: p });
    }
  }
  return { ok: true, member: { loc, text, elements, nomatch }, hostBits };
}

/** The same member written twice (10.0.0.1 and 10.0.0.1/32) is one. */
export function memberKey(m: SetMember): string {
  return m.elements
    .map((e) => (e.kind === "addr" ? `${e.range.lo}-${e.range.hi}` : e.kind === "port" ? `${e.proto}:${e.ranges.map((r) => `${r.start}-${r.end}`).join()}` : e.kind === "iface" ? `${e.physdev ? "physdev:" : ""}${e.name}` : e.kind === "mark" ? String(e.value) : e.kind === "set" ? e.name : e.text))
    .join(",");
}

const L4_OF: Record<string, string> = { tcp: "tcp", udp: "udp", sctp: "sctp", icmp: "icmp", "ipv6-icmp": "icmpv6" };

function elementMatches(e: SetElement, dir: Direction, p: AnalyzedPacket): boolean {
  switch (e.kind) {
    case "addr":
      return rangeHas(e.range, dir === "src" ? p.src : p.dst);
    case "port": {
      if (L4_OF[p.protocol] !== e.proto && !(e.proto === "icmp" && p.protocol === "ipv6-icmp")) return false;
      if (e.proto === "icmp" || e.proto === "icmpv6") return true;
      const port = dir === "src" ? p.sport : p.dport;
      return port !== undefined && e.ranges.some((r) => r.start <= port && port <= r.end);
    }
    case "iface": {
      const actual = e.physdev ? (dir === "src" ? p.physIn : p.physOut) : dir === "src" ? p.inIface : p.outIface;
      return actual === e.name;
    }
    case "mark":
      return (p.mark ?? 0) === e.value;
    default:
      return false;
  }
}

const specificity = (m: SetMember) => m.elements.reduce((n, e) => (e.kind === "addr" ? n - Number(e.range.hi - e.range.lo > 1n << 120n ? 1n << 120n : e.range.hi - e.range.lo) : n), 0);

/** Does the packet match `--match-set NAME dirs` (without its negation)? Sets that do not exist never match. */
export function setHasPacket(sets: ReadonlyMap<string, AnalyzedSet>, name: string, dirs: Direction[], p: AnalyzedPacket, returnNomatch = false, depth = 0): boolean {
  const set = sets.get(name);
  if (!set || depth > 8) return false;
  if (set.type === "list:set") return set.members.some((m) => m.elements[0]?.kind === "set" && setHasPacket(sets, m.elements[0].name, dirs, p, returnNomatch, depth + 1));
  if (set.family && set.family !== p.src.family) return false;
  if (dirs.length < set.dims.length) return false;
  const hits = set.members.filter((m) => m.elements.every((e, i) => elementMatches(e, dirs[i]!, p)));
  if (!hits.length) return false;
  const best = hits.reduce((a, b) => (specificity(b) > specificity(a) ? b : a));
  return best.nomatch ? returnNomatch : true;
}
