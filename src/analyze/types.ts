// The rule model of hand-written or read-back iptables/ipset text: what src/analyze parses into, what
// its walker follows and what lint inspects. Names are explicit (Analyzed*) so they never clash with
// the Plan's Verdict/Match or the model's Family.
import type { Family } from "../model/index.js";

export type AnalyzedFamily = Family;

/** Where a rule, chain or set member came from: the file and its 1-based line. */
export interface SourceLoc {
  file: string;
  line: number;
}

/** An inclusive range of addresses of one family (a CIDR, a single address or an a-b range). */
export interface AddrRange {
  family: AnalyzedFamily;
  lo: bigint;
  hi: bigint;
  text: string;
}

export interface PortRange {
  start: number;
  end: number;
}

export type Direction = "src" | "dst";

export type Condition =
  | { kind: "addr"; dir: Direction; range: AddrRange; negate: boolean }
  /** -i / -o; a name ending in "+" matches every interface with that prefix. */
  | { kind: "iface"; dir: "in" | "out"; name: string; negate: boolean }
  | { kind: "physdev"; dir: "in" | "out"; name: string; negate: boolean }
  | { kind: "physdev-flag"; flag: "is-in" | "is-out" | "is-bridged"; negate: boolean }
  /** Protocol by name (tcp, udp, icmp, ipv6-icmp, sctp, ...) or by number when it has no name. */
  | { kind: "proto"; proto: string; negate: boolean }
  | { kind: "port"; dir: Direction | "any"; ranges: PortRange[]; negate: boolean }
  | { kind: "ctstate"; states: string[]; negate: boolean }
  | { kind: "set"; name: string; dirs: Direction[]; negate: boolean; returnNomatch: boolean }
  | { kind: "mark"; value: number; mask: number; negate: boolean }
  | { kind: "icmp-type"; type: string; negate: boolean }
  | { kind: "tcp-flags"; mask: string[]; set: string[]; negate: boolean }
  /** A match moat does not model; `text` is its normalized clause, `module` the -m name. */
  | { kind: "other"; module: string; text: string };

export type AnalyzedTarget =
  | { kind: "accept" }
  | { kind: "drop" }
  | { kind: "reject"; with?: string }
  | { kind: "return" }
  | { kind: "jump"; chain: string }
  | { kind: "goto"; chain: string }
  /** MARK: the packet's mark becomes (mark & ~mask) ^ value. */
  | { kind: "mark"; value: number; mask: number }
  /** Any other target extension (LOG, NFLOG, DNAT, ...): terminal or not. */
  | { kind: "extension"; name: string; terminal: boolean; options: string[] }
  /** No -j: the rule only counts. */
  | { kind: "none" };

export interface Counters {
  packets: bigint;
  bytes: bigint;
}

export interface AnalyzedRule {
  loc: SourceLoc;
  family: AnalyzedFamily;
  table: string;
  chain: string;
  conditions: Condition[];
  target: AnalyzedTarget;
  comment?: string;
  counters?: Counters;
  /** The rule as written (without the command and chain), for messages. */
  text: string;
  /** A normalized form, for -D by specification and for comparisons. */
  key: string;
}

export interface AnalyzedChain {
  name: string;
  builtin: boolean;
  /** Built-in chains only. */
  policy?: "ACCEPT" | "DROP";
  policyLoc?: SourceLoc;
  policyCounters?: Counters;
  /** Where the chain was created (-N, :CHAIN); absent for built-ins never named. */
  declaredAt?: SourceLoc;
  rules: AnalyzedRule[];
}

export interface AnalyzedTable {
  name: string;
  family: AnalyzedFamily;
  chains: Map<string, AnalyzedChain>;
}

/** One element of a set: one value per dimension of the set's type. */
export type SetElement =
  | { kind: "addr"; range: AddrRange }
  | { kind: "port"; proto: string; ranges: PortRange[] }
  | { kind: "iface"; name: string; physdev: boolean }
  | { kind: "mark"; value: number }
  | { kind: "set"; name: string }
  | { kind: "raw"; text: string };

export interface SetMember {
  loc: SourceLoc;
  text: string;
  elements: SetElement[];
  nomatch: boolean;
}

export interface AnalyzedSet {
  name: string;
  /** "hash:net", "list:set", ... */
  type: string;
  /** What each dimension holds: "ip", "net", "port", "iface", "mark", "mac", "set". */
  dims: string[];
  /** inet (4), inet6 (6); absent for list:set and bitmap:port. */
  family?: AnalyzedFamily;
  loc: SourceLoc;
  members: SetMember[];
}

export type FindingSeverity = "error" | "warning" | "info";

export type FindingCode =
  | "bad-address"
  | "host-bits"
  | "unreachable-rule"
  | "undefined-chain"
  | "undefined-set"
  | "empty-set"
  | "unreferenced-chain"
  | "similar-interface"
  /** Info: a line that is not an iptables/ip6tables/ipset command, or one the kernel refuses. */
  | "skipped-command";

export interface Finding {
  file: string;
  line: number;
  code: FindingCode;
  severity: FindingSeverity;
  message: string;
}

/** A line the kernel itself would refuse: the walker leaves it out, as the kernel does. */
export interface RefusedLine {
  loc: SourceLoc;
  reason: string;
}

/** Several files read as one: the kernel's rules of each family, the sets, and what was said about them. */
export interface AnalyzedRuleset {
  tables: Record<AnalyzedFamily, Map<string, AnalyzedTable>>;
  sets: Map<string, AnalyzedSet>;
  /** Findings that reading alone produces (bad-address, host-bits, undefined-set on add, skipped commands). */
  findings: Finding[];
  /** Lines the kernel would refuse, in input order. */
  refused: RefusedLine[];
  /** Set names named by `ipset add` or `--match-set` before or without a create, with where. */
  setReferences: { name: string; loc: SourceLoc; byRule: boolean }[];
  /** Jump/goto targets that named no chain (the kernel refuses such rules). */
  chainReferences: { family: AnalyzedFamily; table: string; chain: string; loc: SourceLoc }[];
}

/** A file that cannot be parsed: which file, which line, what was expected. */
export class AnalyzeParseError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly expected: string,
  ) {
    super(`${file}:${line}: ${expected}`);
  }
}
