// Every Plan set's members go in a handful of nft sets per family, each element keyed by the member and
// its Plan set's tag (`10.0.0.1 . 0x1f2e3d4c`), and a rule looks up its set's tag:
// `ip saddr . meta mark & T | T @moat-hosts-4` (the mark masked to nothing, then T: a constant; it reads
// the packet's mark and changes nothing). nft prints `meta mark & 0 | T` back as `& T | T`, the same
// bytecode; moat writes that form, so the text applied is the text read back.
//
// Why not a named set per Plan set, as iptables has one ipset each: the kernel finds the set a rule names
// by walking the table's list of sets, so a table of N sets and N rules naming them loads in time N²
// (10k each 4.2 s, 20k each 18-26 s, 100k workloads with 10k policies 305 s). With four sets per family
// that walk is four entries long, and a packet still pays one hash lookup per rule.
import { createHash } from "node:crypto";
import type { PlanSet, SetMember } from "../../compile/index.js";
import type { Family } from "../names.js";
import { nftString } from "./escape.js";
import { cidrsOverlap, parseCidr, type Cidr } from "../../model/index.js";

export interface MergedSet {
  name: string;
  decl: string[];
  elements: string[];
}

export interface SetLookup {
  /** The nft set holding the Plan set's members of this family, and the tag they carry there. */
  set: string;
  tag: string;
}

/** A /32 IPv4 or /128 IPv6 prefix: a single address. */
export const isHost = (cidr: string) => (/\/32$/.test(cidr) && !cidr.includes(":")) || /\/128$/.test(cidr);
/** A host's address without its /32 or /128, as nft prints it; a prefix as it is. */
export const bare = (cidr: string) => (isHost(cidr) ? cidr.replace(/\/\d+$/, "") : cidr);
export const hex32 = (n: number) => `0x${n.toString(16).padStart(8, "0")}`;

/** The part of a lookup key that stands for a Plan set's tag, written as nft prints it back. */
export const tagExpr = (tag: string) => `meta mark & ${tag} | ${tag}`;

/**
 * A 32-bit tag per Plan set, from a hash of its name, so that a set keeps its tag while other sets come
 * and go (a new tag would be a rules change). Collisions are settled in name order by hashing again.
 * 0 and all ones are skipped: nft would print their expressions in another form.
 */
export function setTags(names: readonly string[]): Map<string, string> {
  const used = new Set<number>();
  const out = new Map<string, string>();
  for (const name of [...names].sort()) {
    for (let k = 0; ; k++) {
      const n = createHash("sha256").update(k ? `${name}#${k}` : name).digest().readUInt32BE(0);
      if (n === 0 || n === 0xffffffff || used.has(n)) continue;
      used.add(n);
      out.set(name, hex32(n));
      break;
    }
  }
  return out;
}

/** A Plan set member as an element of a merged set, with its set's tag. */
export function taggedElement(m: SetMember, tag: string): string {
  return `${m.protocol ? `${bare(m.cidr)} . ${m.protocol} . ${m.port}` : bare(m.cidr)} . ${tag}`;
}

/** The merged set that holds a Plan set's members of a family ("moat-hosts-4"). */
export function mergedSetName(kind: PlanSet["kind"], members: readonly SetMember[], family: Family): string {
  const interval = members.some((m) => !isHost(m.cidr));
  const category: Category = kind === "address-port" ? (interval ? "netports" : "hostports") : interval ? "nets" : "hosts";
  return `moat-${category}-${family}`;
}

/** Whether a merged set is an interval set (its elements are prefixes; the kernel prints them its own way). */
export const isIntervalSet = (name: string) => /^moat-(nets|netports)-[46]$/.test(name);

/**
 * Without auto-merge (concatenations have none) an interval set refuses overlapping elements: keep only
 * the prefixes not inside another of the same Plan set (two prefixes overlap only when one holds the
 * other). Hosts are checked against the networks alone, so a large set with one network stays linear.
 */
function outermost(members: SetMember[]): SetMember[] {
  const parsed = members.map((m) => ({ m, c: parseCidr(m.cidr) })).sort((a, b) => (a.c.ok ? a.c.value.prefix : 0) - (b.c.ok ? b.c.value.prefix : 0));
  const nets: { m: SetMember; c: Cidr }[] = [];
  const out: SetMember[] = [];
  for (const { m, c } of parsed) {
    if (!c.ok) continue;
    if (nets.some((o) => o.m.protocol === m.protocol && o.m.port === m.port && cidrsOverlap(o.c, c.value))) continue;
    if (!isHost(m.cidr)) nets.push({ m, c: c.value });
    out.push(m);
  }
  return out;
}

const CATEGORIES = {
  hosts: { ports: false, interval: false, comment: "hosts of every moat set, each tagged with its set" },
  nets: { ports: false, interval: true, comment: "members of every moat set with networks, each tagged with its set" },
  hostports: { ports: true, interval: false, comment: "hosts and named ports of every moat set, each tagged with its set" },
  netports: { ports: true, interval: true, comment: "networks and named ports of every moat set, each tagged with its set" },
} as const;
type Category = keyof typeof CATEGORIES;

/**
 * The Plan's sets as at most four nft sets per family. A Plan set with no member of a family has no
 * lookup in it (its rules are left out or, negated, always hold), so `lookup` returns undefined.
 */
export function mergeSets(planSets: readonly PlanSet[]): { sets: MergedSet[]; lookup(set: string, family: Family): SetLookup | undefined } {
  const tags = setTags(planSets.map((s) => s.name));
  const where = new Map<string, SetLookup>();
  const elements = new Map<string, string[]>();
  for (const family of [4, 6] as const) {
    for (const s of planSets) {
      const members = family === 4 ? s.v4 : s.v6;
      if (!members.length) continue;
      const name = mergedSetName(s.kind, members, family);
      const interval = isIntervalSet(name);
      const tag = tags.get(s.name)!;
      where.set(`${s.name}-${family}`, { set: name, tag });
      let list = elements.get(name);
      if (!list) elements.set(name, (list = []));
      // Members are distinct within a Plan set and tags between sets: no element twice.
      for (const m of interval ? outermost(members) : members) list.push(taggedElement(m, tag));
    }
  }
  const sets: MergedSet[] = [];
  for (const family of [4, 6] as const) {
    for (const [category, c] of Object.entries(CATEGORIES) as [Category, (typeof CATEGORIES)[Category]][]) {
      const name = `moat-${category}-${family}`;
      const list = elements.get(name);
      if (!list) continue;
      const addr = family === 4 ? "ipv4_addr" : "ipv6_addr";
      const type = c.ports ? `${addr} . inet_proto . inet_service . mark` : `${addr} . mark`;
      sets.push({ name, decl: [`type ${type}`, ...(c.interval ? ["flags interval"] : []), `comment ${nftString(c.comment, 100)}`], elements: list.sort() });
    }
  }
  return { sets, lookup: (set, family) => where.get(`${set}-${family}`) };
}
