// The Plan as one `table inet moat-a` (or moat-b, the generation) for `nft -f`: both families in one table.
//
// - A base chain "forward" hooks forward at priority filter - 10, before iptables' filter FORWARD and
//   firewalld's tables (priority filter, 0), so moat judges first, as at FORWARD 1 with iptables. Its
//   one rule jumps to moat-fwd and carries the rules hash in its comment, for status and cheap checks.
// - Every Plan chain is a regular chain "moat-<name>"; jumps, gotos and returns mean what they mean in
//   iptables. A Plan rule that names sets or an ICMP protocol becomes one rule per family (ip saddr
//   ... @moat-hosts-4 / ip6 saddr ... @moat-hosts-6); a packet of one family never matches the other's
//   rule, so order holds.
// - Sets: every Plan set's members in at most four nft sets per family, each element tagged with its
//   Plan set (members.ts): hosts in a hash set, prefixes in an interval set, named ports as the
//   concatenation ipv4_addr . inet_proto . inet_service, each `. mark` for the tag.
// - Anti-spoofing: the Plan's per-interface rules become two sets and three rules in moat-spoof:
//   (iifname . ip saddr) in spoof-ok returns, iifname in spoof-if drops, then the Plan's last rule.
//   So a workload that comes or goes is set elements only, on its own node too.
// Text without elements ("structure") is hashed for the rules hash: equal structure means an update
// is element adds and deletes.
import { createHash } from "node:crypto";
import { IDENTITY_MASK, LOG_PREFIX_MAX, type Match, type Plan, type PlanRule, type SetMatch, type Verdict } from "../../compile/index.js";
import { ALLOWED_MARK, hookComment, NFT_FAMILY, NFT_TABLES, nftTable, type Family, type Generation } from "../names.js";
import { escapeNft, nftString } from "./escape.js";
import { dispatchOf, policyJumps } from "./dispatch.js";
import { bare, hex32, mergeSets, tagExpr, type SetLookup } from "./members.js";

export const NFT_BASE_CHAIN = "forward";
/** Before iptables' filter chains (priority 0) and firewalld's: moat judges first. */
export const NFT_PRIORITY = "filter - 10";
export const SPOOF_OK = (f: Family) => `spoof-ok-${f}`;
export const SPOOF_IF = "spoof-if";
/** An empty set whose comment carries the rules hash: `nft list set` of it is cheap at any size, where
 * listing a chain makes nft 1.0 fetch the whole ruleset. The agent's frequent check reads it. */
export const NFT_STATE_SET = "moat-state";

export const nftChain = (name: string) => `moat-${name}`;

export interface NftSet {
  name: string;
  /** The table's family: inet (moat's table) or bridge (anti-spoofing of bridge ports). */
  table?: "bridge";
  /** The declaration lines inside `set name { ... }`, without elements. */
  decl: string[];
  elements: string[];
}

export interface NftRendering {
  /** Hash of everything but set elements: the rules hash of this backend. */
  rulesHash: string;
  sets: NftSet[];
  /** Each chain's declaration and rules, in order, keyed by chain name. */
  chains: Map<string, string[]>;
  /** Bridge mode: the prerouting chain of `table bridge moat-a` (or moat-b), which checks the source address of every
   * frame from a workload's bridge port (nft cannot see the bridge port in the inet forward hook). */
  bridge?: string[];
  /** What an update by difference needs to know of this rendering (update.ts). */
  index: NftIndex;
}

/** What an update by difference (update.ts) needs to know of a rendering. */
export interface DispatchIndex {
  /** The Plan's stage chain ("eg", "in") whose leading policy jumps a verdict map replaced. */
  stage: string;
  jumps: { set: string; chain: string }[];
  /** Addresses that go to each group chain: one that loses its last address is a chain less. */
  groupUse: ReadonlyMap<string, number>;
  /** Elements of the stage's map per family: a map that loses its last element is a rule less. */
  familyUse: Readonly<Record<Family, number>>;
}

export interface NftIndex {
  plan: Plan;
  rulesHash: string;
  lookup(set: string, family: Family): SetLookup | undefined;
  /** The anti-spoofing rules and sets as rendered. */
  spoof: { rules: string[]; bridge?: string[]; sets: NftSet[] };
  dispatch: DispatchIndex[];
  /** Sets whose members decide whether a stage chain has a map at all: a change to them is a rules change. */
  watched: ReadonlySet<string>;
}

export const BRIDGE_SPOOF_OK = (f: Family) => `bspoof-ok-${f}`;
export const BRIDGE_SPOOF_IF = "bspoof-if";
export const BRIDGE_BOUND = (f: Family) => `bspoof-bound-${f}`;
export const BRIDGE_CHAIN = "prerouting";
/** Neighbour discovery and multicast listener messages come from :: or link-local addresses. */
const ND_TYPES = "{ mld-listener-query, mld-listener-report, mld-listener-done, nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, mld2-listener-report }";

const addrOf = (family: Family) => (family === 4 ? "ip" : "ip6");

function setExpr(m: SetMatch, family: Family, ctx: RuleContext, l4?: string): string {
  const dir = (d: string) => `${addrOf(family)} ${d === "src" ? "saddr" : "daddr"}`;
  const key = m.dirs.length === 2 ? `${dir(m.dirs[0]!)} . meta l4proto . ${l4 ?? "th"} dport` : dir(m.dirs[0]!);
  const at = ctx.lookup(m.set, family)!;
  return `${key} . ${tagExpr(at.tag)} ${m.negate ? "!= " : ""}@${at.set}`;
}

function verdictText(v: Verdict): string {
  switch (v.kind) {
    case "accept":
    case "drop":
    case "return":
      return v.kind;
    case "reject":
      return v.with === "tcp-reset" ? "reject with tcp reset" : "reject with icmpx admin-prohibited";
    case "jump":
    case "goto":
      return `${v.kind} ${nftChain(v.chain)}`;
    case "log":
      return `limit rate ${v.rate} burst ${v.burst} packets log prefix ${nftString(v.prefix, LOG_PREFIX_MAX)} group ${v.group}`;
    case "mark":
      // As nft prints it back: it folds the identity into the mask it keeps.
      return v.identity ? `meta mark set meta mark & ${hex32((~IDENTITY_MASK | v.identity) >>> 0)} | ${hex32(v.identity)}` : `meta mark set meta mark & ${hex32(~IDENTITY_MASK >>> 0)}`;
  }
}

function identityExpr(m: NonNullable<Match["identity"]>): string {
  const values = m.values.length === 1 ? hex32(m.values[0]!) : `{ ${m.values.map(hex32).join(", ")} }`;
  return `meta mark & ${hex32(IDENTITY_MASK)} ${m.negate ? "!=" : "=="} ${values}`;
}

/** Whether a rule needs one nft rule per family: it names sets, an address or ICMP. */
function families(m: Match): Family[] | undefined {
  if (m.family) return [m.family];
  if (m.srcAddr) return [m.srcAddr.includes(":") ? 6 : 4];
  if (m.sets?.length || m.protocol === "icmp") return [4, 6];
  return undefined;
}

/** A counter statement as nft prints it when nothing has matched yet. */
export const NFT_NEW_COUNTER = "counter packets 0 bytes 0";

const ND_NAMES: Record<number, string> = { 133: "nd-router-solicit", 134: "nd-router-advert", 135: "nd-neighbor-solicit", 136: "nd-neighbor-advert" };
/** nft prints conntrack states in the order of their bits. */
const CT_ORDER = ["INVALID", "ESTABLISHED", "RELATED", "NEW"];

/**
 * One rule, written the way `nft list` prints it back, so that the text applied is the text read back
 * and a status comparison needs no read-back at apply time (test/render/nftables.test.ts checks it
 * against the real nft for every example).
 */
function ruleText(rule: PlanRule, family: Family | undefined, ctx: RuleContext): string | undefined {
  const empty = ctx.empty;
  const m = rule.match;
  const parts: string[] = [];
  const l4 = m.protocol && m.protocol !== "icmp" ? m.protocol : undefined;
  for (const s of m.sets ?? []) if (!s.negate && empty(s.set, family!)) return undefined;
  if (m.icmpv6Type !== undefined) {
    parts.push(`icmpv6 type ${ND_NAMES[m.icmpv6Type] ?? m.icmpv6Type}`);
  } else {
    if (m.protocol === "icmp") parts.push(`meta l4proto ${family === 6 ? "ipv6-icmp" : "icmp"}`);
    // tcp dport (alone or in a concatenation) brings its own protocol check, and nft prints it so.
    else if (l4 && !m.dports && !m.sets?.some((x) => x.dirs.length === 2)) parts.push(`meta l4proto ${l4}`);
  }
  if (m.srcAddr) parts.push(`${addrOf(family!)} saddr ${bare(m.srcAddr)}`);
  if (m.inInterface) parts.push(`iifname ${nftString(m.inInterface, 15)}`);
  if (m.identity) parts.push(identityExpr(m.identity));
  if (m.physdevIn) throw new Error(`the nftables backend cannot match the bridge port ${m.physdevIn} outside anti-spoofing: use the iptables backend`);
  for (const s of m.sets ?? []) if (!(s.negate && empty(s.set, family!))) parts.push(setExpr(s, family!, ctx, l4));
  if (m.dports) {
    const list = m.dports.map((r) => (r.start === r.end ? `${r.start}` : `${r.start}-${r.end}`));
    const ranged = list.length > 1 && m.dports.some((r) => r.start !== r.end);
    parts.push(`${l4 ?? "th"} dport ${list.length === 1 ? list[0] : ranged ? `@${ctx.portSet(list)}` : `{ ${list.join(", ")} }`}`);
  }
  // A rule of one family must say so when nothing else in it does.
  if (family && !parts.some((p) => /^(ip6? |icmpv6 |meta l4proto (icmp|ipv6-icmp))/.test(p))) parts.unshift(`meta nfproto ${family === 4 ? "ipv4" : "ipv6"}`);
  if (m.ctstate) parts.push(`ct state ${[...m.ctstate].sort((a, b) => CT_ORDER.indexOf(a) - CT_ORDER.indexOf(b)).map((s) => s.toLowerCase()).join(",")}`);
  // A policy rule's own counter, for moat_rule_packets_total and `moat status --rules`: written as nft
  // prints a new one, and read back with its figures set to zero (read.ts), so status compares rules only.
  if (rule.origin) parts.push(NFT_NEW_COUNTER);
  parts.push(verdictText(rule.verdict));
  parts.push(`comment ${nftString(rule.comment, 120)}`);
  return parts.join(" ");
}

export interface RuleContext {
  /** Whether a set has no member of a family (lookups in it never match). */
  empty(set: string, family: Family): boolean;
  /** Where a Plan set's members of a family are, and their tag (see members.ts). */
  lookup(set: string, family: Family): SetLookup | undefined;
  /** The name of the shared named set that holds this port list (see portSets). */
  portSet(list: string[]): string;
}

/**
 * Port lists with a range go in named interval sets, one per distinct list, shared by every rule that
 * has it. Inline (`tcp dport { 80, 8000-8100 }`) each rule would own an anonymous interval set, and
 * nft 1.0 fetches the elements of every interval set in the ruleset before any transaction: 1,000
 * policies with such a list made each `add element` cost 220 ms of netlink dumps, where one shared
 * set costs one dump. Lists without ranges stay inline (anonymous hash sets are not fetched).
 */
function portSets(): { portSet(list: string[]): string; sets(): NftSet[] } {
  const byName = new Map<string, string[]>();
  return {
    portSet(list) {
      const name = `moat-pt${createHash("sha256").update(list.join(",")).digest("hex").slice(0, 10)}`;
      byName.set(name, list);
      return name;
    },
    sets: () =>
      [...byName]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([name, list]) => ({ name, decl: ["type inet_service", "flags interval", `comment ${nftString(`ports ${list.join(", ")}`, 100)}`], elements: list })),
  };
}

/** A rule per family it can match in: a lookup in a set with no member of a family never matches. */
function chainRules(rules: PlanRule[], ctx: RuleContext): string[] {
  return rules.flatMap((r) => {
    const fs = families(r.match);
    return (fs ?? [undefined]).flatMap((f) => ruleText(r, f, ctx) ?? []);
  });
}

export function spoofing(plan: Plan, ctx: RuleContext): { sets: NftSet[]; rules: string[]; bridge?: string[] } {
  const spoof = plan.chains.find((c) => c.name === "spoof");
  const ok: Record<Family, string[]> = { 4: [], 6: [] };
  const ifs: string[] = [];
  const bok: Record<Family, string[]> = { 4: [], 6: [] };
  const bifs: string[] = [];
  const bbound: Record<Family, string[]> = { 4: [], 6: [] };
  const rest: PlanRule[] = [];
  for (const r of spoof?.rules ?? []) {
    const port = r.match.physdevIn;
    const iface = r.match.inInterface ?? port;
    const [okList, ifList] = port ? [bok, bifs] : [ok, ifs];
    if (iface && r.verdict.kind === "return" && r.match.srcAddr) {
      const f = r.match.srcAddr.includes(":") ? 6 : 4;
      okList[f].push(`${nftString(iface, 15)} . ${bare(r.match.srcAddr)}`);
      // Routed on from the bridge, the packet comes in on the bridge; the bridge table checked its port.
      if (port && r.match.bridge) {
        ok[f].push(`${nftString(r.match.bridge, 15)} . ${bare(r.match.srcAddr)}`);
        bbound[f].push(bare(r.match.srcAddr));
      }
    }
    else if (iface && r.verdict.kind === "drop" && !r.match.srcAddr && !r.match.sets) ifList.push(nftString(iface, 15));
    else if (port) throw new Error(`the nftables backend cannot match the bridge port ${port} in this rule: use the iptables backend for bridge mode`);
    else rest.push(r);
  }
  const sets: NftSet[] = [
    ...([4, 6] as const).map((f) => ({ name: SPOOF_OK(f), decl: [`type ifname . ${f === 4 ? "ipv4_addr" : "ipv6_addr"}`, `comment "local workload interfaces and their addresses"`], elements: [...new Set(ok[f])].sort() })),
    { name: SPOOF_IF, decl: ["type ifname", `comment "local workload interfaces"`], elements: [...new Set(ifs)].sort() },
  ];
  const rules = [
    ...([4, 6] as const).map((f) => `iifname . ${addrOf(f)} saddr @${SPOOF_OK(f)} return comment "the address of the workload on this interface"`),
    `iifname @${SPOOF_IF} drop comment "any other source address on a workload interface"`,
    ...chainRules(rest, ctx),
  ];
  if (!bifs.length) return { sets, rules };
  sets.push(
    ...([4, 6] as const).map((f) => ({ name: BRIDGE_SPOOF_OK(f), table: "bridge" as const, decl: [`type ifname . ${f === 4 ? "ipv4_addr" : "ipv6_addr"}`, `comment "workload bridge ports and their addresses"`], elements: [...new Set(bok[f])].sort() })),
    { name: BRIDGE_SPOOF_IF, table: "bridge" as const, decl: ["type ifname", `comment "workload bridge ports"`], elements: [...new Set(bifs)].sort() },
    ...([4, 6] as const).map((f) => ({ name: BRIDGE_BOUND(f), table: "bridge" as const, decl: [`type ${f === 4 ? "ipv4_addr" : "ipv6_addr"}`, `comment "addresses of workloads on bridge ports"`], elements: [...new Set(bbound[f])].sort() })),
  );
  const bridge = [
    `type filter hook ${BRIDGE_CHAIN} priority -10; policy accept;`,
    `iifname . ip saddr @${BRIDGE_SPOOF_OK(4)} return comment "the address of the workload on this bridge port"`,
    `iifname . ip6 saddr @${BRIDGE_SPOOF_OK(6)} return comment "the address of the workload on this bridge port"`,
    `icmpv6 type ${ND_TYPES} return comment "IPv6 neighbour discovery and multicast listeners, from :: or link-local"`,
    `ip saddr @${BRIDGE_BOUND(4)} drop comment "address of a workload on a bridge port, from another port"`,
    `ip6 saddr @${BRIDGE_BOUND(6)} drop comment "address of a workload on a bridge port, from another port"`,
    `ether type { ip, ip6 } iifname @${BRIDGE_SPOOF_IF} drop comment "any other source address on a workload bridge port"`,
  ];
  return { sets, rules, bridge };
}

export function renderNft(plan: Plan): NftRendering {
  // A Plan set with no member of a family has no lookup in it, and its rules of that family are left
  // out: single-stack clusters then pay for one family only. (Its first member of that family changes
  // the rules hash.)
  const merged = mergeSets(plan.sets);
  const ports = portSets();
  const ctx: RuleContext = { empty: (set, family) => !merged.lookup(set, family), lookup: merged.lookup, portSet: ports.portSet };
  const spoof = spoofing(plan, ctx);
  const sets: NftSet[] = [...merged.sets, ...spoof.sets];
  const setsByName = new Map(plan.sets.map((s) => [s.name, s]));
  const chains = new Map<string, string[]>();
  const groupChains = new Map<string, string[]>();
  const dispatches: DispatchIndex[] = [];
  const watched = new Set<string>();
  for (const c of plan.chains) {
    if (c.name === "spoof") {
      chains.set(nftChain(c.name), spoof.rules);
      continue;
    }
    const d = dispatchOf(c, setsByName);
    if (!d) {
      // Members decide whether such a chain gets a map (only hosts can be keys): a change to them is a rules change.
      for (const j of policyJumps(c)) watched.add(j.match.sets![0]!.set);
      chains.set(nftChain(c.name), chainRules(c.rules, ctx));
      continue;
    }
    dispatches.push(dispatchIndex(c.name, c.rules.slice(0, d.replaced), d.elements));
    const maps: string[] = [];
    for (const f of [4, 6] as const) {
      if (!d.elements[f].length) continue;
      const name = `moat-${c.name}-dispatch-${f}`;
      sets.push({ name, decl: [`type ${f === 4 ? "ipv4_addr" : "ipv6_addr"} : verdict`, `comment "${c.name}: each workload to the chain of the policies that select it"`], elements: d.elements[f] });
      maps.push(`${addrOf(f)} ${d.dir} vmap @${name} comment "policies that select the workload, in order"`);
    }
    chains.set(nftChain(c.name), [...maps, ...chainRules(c.rules.slice(d.replaced), ctx)]);
    for (const [g, { jumps, after }] of [...d.groups].sort(([a], [b]) => (a < b ? -1 : 1))) {
      groupChains.set(nftChain(g), [...jumps.map((j) => `jump ${nftChain(j)} comment "policy chain ${j}"`), `goto ${nftChain((after.verdict as { chain: string }).chain)} comment ${nftString(after.comment, 120)}`]);
    }
  }
  for (const [n, rules] of groupChains) chains.set(n, rules);
  sets.push(...ports.sets());
  // The allow action shapes the base chain (baseChain), so it is part of the rules.
  const structure = [`allow ${plan.hooks[0]?.allow ?? "accept"}`, ...sets.map((s) => `${s.name} ${s.decl.join("; ")}`), ...[...chains].map(([n, rules]) => `${n}\n${rules.join("\n")}`), ...(spoof.bridge ?? [])].join("\n");
  const rulesHash = createHash("sha256").update(structure).digest("hex").slice(0, 12);
  const index: NftIndex = { plan, rulesHash, lookup: merged.lookup, spoof, dispatch: dispatches, watched };
  return { rulesHash, sets, chains, ...(spoof.bridge ? { bridge: spoof.bridge } : {}), index };
}

/** A dispatched stage chain's jumps, and how many addresses go to each group chain and map. */
function dispatchIndex(stage: string, jumps: PlanRule[], elements: Record<Family, string[]>): DispatchIndex {
  const groupUse = new Map<string, number>();
  for (const list of [elements[4], elements[6]])
    for (const e of list) {
      const g = e.slice(e.indexOf(" : goto moat-") + " : goto moat-".length);
      groupUse.set(g, (groupUse.get(g) ?? 0) + 1);
    }
  return {
    stage,
    jumps: jumps.map((j) => ({ set: j.match.sets![0]!.set, chain: (j.verdict as { chain: string }).chain })),
    groupUse,
    familyUse: { 4: elements[4].length, 6: elements[6].length },
  };
}

/** The base chain's "allowed by moat" mark as nft prints it back (the read-back skips it). */
export const ALLOW_MARK_SET = `meta mark set meta mark | ${hex32(ALLOWED_MARK)} `;

/**
 * The base chain's lines: the hook, and the one jump that carries the rules hash. With allowAction
 * Accept the packet is marked before the jump (what moat accepts keeps the mark, for moat's rule in
 * iptables' FORWARD: dataplane/nftables/allow-rule.ts) and unmarked after it (moat's rules let it fall
 * through: not moat's traffic, the host's firewall alone judges it). Denied packets go with the mark.
 */
export function baseChain(plan: Plan, rulesHash: string): string[] {
  const jump = `jump ${nftChain(plan.hooks[0]!.chain)} comment ${nftString(hookComment(rulesHash), 64)}`;
  const hook = `type filter hook forward priority ${NFT_PRIORITY}; policy accept;`;
  if (plan.hooks[0]?.allow === "return") return [hook, jump];
  return [hook, `${ALLOW_MARK_SET}comment "allowed by moat unless its rules say otherwise"`, jump, `meta mark set meta mark & ${hex32(~ALLOWED_MARK >>> 0)} comment "not moat's traffic"`];
}

const block = (kind: string, name: string, lines: string[]) => [`\t${kind} ${name} {`, ...lines.map((l) => `\t\t${l}`), "\t}"];

/** `table inet moat-a { ... }` (or moat-b) with every set (and its elements) and chain. */
export function renderTableText(plan: Plan, r: NftRendering = renderNft(plan), generation: Generation = "a"): string {
  const table = nftTable(generation);
  const lines = [`table ${NFT_FAMILY} ${table} {`];
  for (const s of r.sets.filter((x) => !x.table)) lines.push(...block(s.decl[0]!.includes(" : ") ? "map" : "set", s.name, [...s.decl, ...(s.elements.length ? [`elements = { ${s.elements.join(", ")} }`] : [])]));
  lines.push(...block("set", NFT_STATE_SET, ["type ifname", `comment ${nftString(hookComment(r.rulesHash), 64)}`]));
  lines.push(...block("chain", NFT_BASE_CHAIN, baseChain(plan, r.rulesHash)));
  for (const [name, rules] of r.chains) lines.push(...block("chain", name, rules));
  lines.push("}");
  if (r.bridge) {
    lines.push(`table bridge ${table} {`);
    for (const s of r.sets.filter((x) => x.table === "bridge")) lines.push(...block("set", s.name, [...s.decl, ...(s.elements.length ? [`elements = { ${s.elements.join(", ")} }`] : [])]));
    lines.push(...block("chain", BRIDGE_CHAIN, r.bridge), "}");
  }
  return lines.join("\n") + "\n";
}

/** A table of moat's, by family and name: `inet moat-a`, `bridge moat-b`. */
export interface NftTableRef {
  family: typeof NFT_FAMILY | "bridge";
  name: string;
}

const baseChainOf = (t: NftTableRef) => (t.family === "bridge" ? BRIDGE_CHAIN : NFT_BASE_CHAIN);

/**
 * Empties the base chains of these tables (their hooks then accept all), in one transaction: the step
 * between building the new generation and removing the old, so that no packet still walks the old
 * chains when their sets and maps go (`add chain` first: a flush of a missing chain would fail).
 */
export function renderNeutralise(tables: readonly NftTableRef[]): string {
  return tables.map((t) => `add chain ${t.family} ${t.name} ${baseChainOf(t)}\nflush chain ${t.family} ${t.name} ${baseChainOf(t)}\n`).join("");
}

/** Deletes these tables in one transaction. */
export function renderDeleteTables(tables: readonly NftTableRef[]): string {
  return tables.map((t) => `delete table ${t.family} ${t.name}\n`).join("");
}

/** Removes every table moat may have (both generations, both families), whether they exist or not (a table is created before it is deleted). */
export const DELETE_TABLES = (["inet", "bridge"] as const).flatMap((f) => NFT_TABLES.map((n) => `table ${f} ${n}\ndelete table ${f} ${n}\n`)).join("");

/** One `nft -f` transaction of element adds and deletes. */
export function renderElementChanges(changes: { set: string; table?: "bridge"; add: string[]; remove: string[] }[], generation: Generation = "a"): string {
  const lines: string[] = [];
  const at = (c: { table?: "bridge" }) => `${c.table ?? NFT_FAMILY} ${nftTable(generation)}`;
  // A map's element is deleted by its key alone.
  for (const c of changes) if (c.remove.length) lines.push(`delete element ${at(c)} ${c.set} { ${c.remove.map((e) => e.replace(/ : .*$/, "")).join(", ")} }`);
  for (const c of changes) if (c.add.length) lines.push(`add element ${at(c)} ${c.set} { ${c.add.join(", ")} }`);
  return lines.join("\n") + "\n";
}
