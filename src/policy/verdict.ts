import type { Ip, Isolation, Protocol } from "../model/index.js";

/** A new connection (its first packet): everything decide needs to know. */
export interface Flow {
  src: Ip;
  dst: Ip;
  protocol: Protocol;
  /** Destination port; absent for ICMP. */
  port?: number;
}

export type Stage = "egress" | "ingress";

/** What decided one stage. */
export type Cause =
  | { kind: "rule"; policy: string; rule: number; action: "Allow" | "Deny" }
  | { kind: "undecided"; policies: string[] }
  | { kind: "no-policy" }
  | { kind: "pass"; policy: string; rule: number }
  | { kind: "not-a-workload" };

export interface StageResult {
  stage: Stage;
  /** The workload whose policies were consulted: the source at egress, the destination at ingress. */
  workload?: string;
  allowed: boolean;
  cause: Cause;
  /** The network default that decided, when no rule did (no policy, or Pass). */
  network?: string;
  isolation?: Isolation;
}

export interface LogHit {
  stage: Stage;
  policy: string;
  rule: number;
}

export interface Verdict {
  allowed: boolean;
  /** One sentence a person can read. */
  reason: string;
  /** Absent for self-traffic, which never reaches a policy. */
  stages: StageResult[];
  logged: LogHit[];
}
