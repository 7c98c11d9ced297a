// What every backend's executor offers the CLI and the agent, and the neutral view of the kernel that
// status compares with the record of what was applied.
import type { Plan } from "../compile/index.js";
import type { BackendName, Generation } from "../render/index.js";
import type { Flavor } from "./flavor.js";

/** The hook of one family key ("4", "6" for iptables; "inet" for nftables) as read back. */
export interface HookView {
  /** 0: first in its built-in chain (or moat's base chain is there, nftables); -1: absent. */
  position: number;
  /** How many moat hooks there are (more than one: two generations enforce at once). */
  count: number;
  generation?: Generation;
  rulesHash?: string;
}

/** moat's objects in the kernel, in one form for every backend. */
export interface ReadBack {
  backend: BackendName;
  hooks: Record<string, HookView>;
  /** Chain key ("4 moat-a-fwd", "inet a-fwd") to its rule lines as read back. */
  chains: Map<string, string[]>;
  /** Set name to its members as read back, in one form, sorted. */
  sets: Map<string, string[]>;
}

export type DifferenceKind =
  | "not-applied"
  | "hook-missing"
  | "hook-moved"
  | "hook-duplicated"
  | "hook-changed"
  | "chain-missing"
  | "chain-changed"
  | "chain-extra"
  | "set-missing"
  | "set-changed"
  | "set-extra"
  | "other-backend";

export interface Difference {
  kind: DifferenceKind;
  /** The family key, chain or set concerned. */
  name?: string;
  detail: string;
}

export interface Timings {
  /** Rendering the Plan to the backend's text and diffing it with the kernel, in ms. */
  render: number;
  /** Everything else the apply spent: reading and writing the kernel (and waiting for its tools), in ms. */
  kernel: number;
}

export interface ApplyReport {
  backend: BackendName;
  changed: boolean;
  /** False when only set members changed (a workload came or went): no rule was rewritten. */
  rulesChanged: boolean;
  rulesHash: string;
  planHash: string;
  generation: Generation;
  /** iptables only: which iptables (legacy or nft) was written. */
  flavor?: Flavor;
  rules: number;
  sets: number;
  setsCreated: number;
  setsUpdated: number;
  setsRemoved: number;
  /** Copies of moat left by another backend or iptables flavour, removed in this run. */
  removedOther: string[];
  /** Established connections cut because the new Plan denies them. */
  revoked: number;
  notes: string[];
  /** Time spent rendering, in ms (timings.render). */
  renderMs: number;
  timings: Timings;
}

export interface ResetReport {
  chains: number;
  sets: number;
}

export interface DataplaneStatus {
  backend: BackendName;
  flavor?: Flavor;
  applied: boolean;
  generation?: Generation;
  /** The hash of the rules in force, from the hook's comment. */
  rulesHash?: string;
  hookAtTop: boolean;
  chains: number;
  rules: number;
  sets: number;
  setMembers: number;
  /** True when the kernel holds exactly what the record says was applied (or nothing, and nothing was). */
  agrees: boolean;
  differences: Difference[];
  /** What was applied, from the record. */
  record?: { rulesHash: string; planHash: string; appliedAt: string; backend: BackendName; node: string };
}

export interface ApplyOptions {
  /** Which iptables to write (iptables backend); detected when absent. */
  flavor?: Flavor;
  /** Cut established connections the new Plan denies; default: the Plan's setting. */
  revokeEstablished?: boolean;
  /** Rewrite everything even when the record says it is in place (nftables trusts its record otherwise). */
  resync?: boolean;
}

/** One backend's executor, bound to one runner (one network namespace). */
export interface Dataplane {
  readonly backend: BackendName;
  /** moat's objects in the kernel; `prefer`: the generation to read when two are there (nftables, mid-swap). */
  read(prefer?: Generation): Promise<ReadBack>;
  /** The Plan in the kernel; a no-op when it is there already. */
  apply(plan: Plan, record: import("./record.js").AppliedRecord | undefined, opts?: ApplyOptions): Promise<{ report: Omit<ApplyReport, "timings" | "removedOther" | "revoked">; record: import("./record.js").AppliedRecord }>;
  /** Removes every object of moat's in this backend, and nothing else. */
  reset(): Promise<ResetReport>;
  /** Whether the kernel holds the record's objects, cheaply: hooks present and first, chains and sets present. */
  verify(record: import("./record.js").AppliedRecord): Promise<Difference[]>;
  /** Whether this backend holds any object of moat's (without creating anything). */
  present(): Promise<boolean>;
}
