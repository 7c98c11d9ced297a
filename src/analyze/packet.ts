import type { Ip } from "../model/index.js";

/** The first packet of a new connection, as FORWARD sees it. */
export interface AnalyzedPacket {
  src: Ip;
  dst: Ip;
  /** tcp, udp, sctp, icmp (IPv4) or ipv6-icmp. */
  protocol: string;
  dport?: number;
  /** Unknown for a new connection unless given: matches on source ports do not hold. */
  sport?: number;
  /** ICMP type name of the probe: echo-request. */
  icmpType?: string;
  inIface?: string;
  outIface?: string;
  physIn?: string;
  physOut?: string;
  /** Conntrack state: NEW for a new connection. */
  ctstate: string;
  mark?: number;
}
