// The backend-neutral Plan of one node: address sets, chains of rules with provenance, and the hook.
// Renderers print it (src/render); the simulator walks it (src/simulate); nothing here runs anything.

/** What a set's members are: address prefixes, or address prefixes with a protocol and port. */
export type SetKind = "address" | "address-port";

/** One member: a prefix (hosts are /32 or /128; /0 is allowed), with a protocol and port for address-port. */
export interface SetMember {
  cidr: string;
  protocol?: L4Protocol;
  port?: number;
}

export interface PlanSet {
  /** Family-free base name ("moat-s0123456789"); backends add their family suffix. */
  name: string;
  kind: SetKind;
  /** What the set stands for, for people (a selector, a network, a CIDR list). */
  comment: string;
  /** Members of each family, without duplicates, sorted by memberText. */
  v4: SetMember[];
  v6: SetMember[];
}

export type Direction = "src" | "dst";

export interface SetMatch {
  set: string;
  /** One direction per dimension of the set: ["dst"] for address, ["dst","dst"] for address-port. */
  dirs: Direction[];
  negate?: boolean;
}

export type L4Protocol = "tcp" | "udp" | "sctp" | "icmp";
export type CtState = "NEW" | "ESTABLISHED" | "RELATED" | "INVALID";

export interface Match {
  /** Source address, a host prefix; the rule belongs to that address's family. */
  srcAddr?: string;
  /** The interface the packet came in on. */
  inInterface?: string;
  /** The bridge port the packet came in on (bridge mode, with br_netfilter). */
  physdevIn?: string;
  /** With physdevIn: the bridge that port belongs to (a backend that cannot see ports checks them apart). */
  bridge?: string;
  /** Only for this address family (the rule is left out of the other family's rules). */
  family?: 4 | 6;
  protocol?: L4Protocol;
  /** ICMPv6 type number (with protocol icmp, family 6). */
  icmpv6Type?: number;
  /** Destination port ranges, any of which matches (backends split them as their matches need). */
  dports?: { start: number; end: number }[];
  sets?: SetMatch[];
  /**
   * The packet's identity, the low 16 bits of its mark (0: none; Settings.identity mark): one of these
   * values, or with negate none of them. Sorted, never empty.
   */
  identity?: { values: number[]; negate?: boolean };
  ctstate?: CtState[];
}

export type Verdict =
  | { kind: "accept" }
  | { kind: "drop" }
  /** REJECT: TCP with a reset, anything else with ICMP administratively prohibited. */
  | { kind: "reject"; with: "tcp-reset" | "admin-prohibited" }
  | { kind: "return" }
  | { kind: "jump"; chain: string }
  | { kind: "goto"; chain: string }
  /** NFLOG to `group`, at most `rate` ("10/second") with bursts of `burst`; the packet goes on. */
  | { kind: "log"; prefix: string; group: number; rate: string; burst: number }
  /** Sets the identity bits of the packet mark (0 clears them), keeps the others, and goes on. */
  | { kind: "mark"; identity: number };

export interface Origin {
  policy: string;
  stage: "egress" | "ingress";
  rule: number;
}

export interface PlanRule {
  match: Match;
  verdict: Verdict;
  /** Why the rule is there, for people; reaches rule text only through the backend's escaping. */
  comment: string;
  origin?: Origin;
}

export interface Chain {
  /** Generation-free name ("fwd", "pe-0123456789"); backends prefix it with moat and the generation. */
  name: string;
  rules: PlanRule[];
}

export interface Hook {
  /** Where in the packet path moat's entry chain is attached: forwarded packets, before other filters. */
  hook: "forward";
  chain: string;
  /**
   * What an allow does (Settings allowAction): absent, it accepts, ending the host's forward filtering
   * where the backend can (iptables' FORWARD); "return", moat only denies and the host's other rules
   * still judge what moat allowed. Absent rather than "accept" so that Accept Plans hash as before.
   */
  allow?: "return";
}

export interface Plan {
  node: string;
  sets: PlanSet[];
  /** The first chain is the one the hook jumps to. */
  chains: Chain[];
  hooks: Hook[];
  /** Some local workload sits on a Linux bridge: bridged traffic must be passed to iptables. */
  bridged: boolean;
  /** How the Plan is to be applied (Settings): the backend, and whether denied connections are cut. */
  apply: { backend: "auto" | "nftables" | "iptables"; revokeEstablished: boolean };
}
