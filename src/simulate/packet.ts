import type { Ip, Protocol } from "../model/index.js";
import type { CtState } from "../compile/index.js";

/** One packet as netfilter sees it in FORWARD. */
export interface Packet {
  src: Ip;
  dst: Ip;
  protocol: Protocol;
  dport?: number;
  inIface?: string;
  outIface?: string;
  /** Bridge ports, when the packet came in (or goes out) through a Linux bridge. */
  physIn?: string;
  physOut?: string;
  ctstate: CtState;
  /** The packet mark; its low 16 bits are the identity (Settings.identity mark). Rules may set it. */
  mark?: number;
}

export type Outcome = "accept" | "drop" | "reject" | "continue";

export interface TraceStep {
  chain: string;
  rule: number;
  comment: string;
}

export interface PassResult {
  outcome: Outcome;
  trace: TraceStep[];
}
