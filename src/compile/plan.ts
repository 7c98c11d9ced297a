// The backend-neutral Plan of one node: address sets, chains of rules with provenance, and the hook.
// Renderers print it (src/render); the simulator walks it (src/simulate); nothing here runs anything.

/** Which ipset type a set is: addresses, addresses with an interface, addresses with a port. */
export type SetKind = "net" | "net-iface" | "net-port";

export interface PlanSet {
  /** Family-free base name ("moat-s0123456789"); backends add their family suffix. */
  name: string;
  kind: SetKind;
  /** What the set stands for, for people (a selector, a network, a CIDR list). */
  comment: string;
  /** Members in ipset syntax, sorted: "10.0.0.0/8", "10.0.0.1/32,veth1", "10.0.0.1/32,tcp:80". */
  v4: string[];
  v6: string[];
}

export type Direction = "src" | "dst";

export interface SetMatch {
  set: string;
  /** One direction per dimension of the set: ["dst"] for net, ["src","src"] for net-iface. */
  dirs: Direction[];
  negate?: boolean;
}

export type L4Protocol = "tcp" | "udp" | "sctp" | "icmp";
export type CtState = "NEW" | "ESTABLISHED" | "RELATED" | "INVALID";

export interface Match {
  /** Source address, a host prefix (iptables -s); the rule belongs to that address's family. */
  srcAddr?: string;
  /** The interface the packet came in on (iptables -i). */
  inInterface?: string;
  /** The bridge port the packet came in on (-m physdev --physdev-in). */
  physdevIn?: string;
  /** Only for this address family (the rule is left out of the other family's rules). */
  family?: 4 | 6;
  protocol?: L4Protocol;
  /** ICMPv6 type number (with protocol icmp, family 6). */
  icmpv6Type?: number;
  /** Destination port ranges; rendered as one multiport match (at most 15 ports, a range counts 2). */
  dports?: { start: number; end: number }[];
  sets?: SetMatch[];
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
  | { kind: "log"; prefix: string };

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
  /** The built-in chain of the filter table that jumps to moat, at position 1. */
  builtin: "FORWARD";
  chain: string;
}

export interface Plan {
  node: string;
  sets: PlanSet[];
  /** The first chain is the one the hook jumps to. */
  chains: Chain[];
  hooks: Hook[];
  /** Some local workload sits on a Linux bridge: bridged traffic must be passed to iptables. */
  bridged: boolean;
}
