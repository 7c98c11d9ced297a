// The store keeps the desired state: moat resources, stored whole, each with the revision of its last
// change, and a history of events so that watchers can resume. Small on purpose, so that an etcd
// implementation can follow and run the same conformance suite (test/store/store-suite.ts).

export const RESOURCE_KINDS = ["Network", "Workload", "Policy", "Namespace", "Settings"] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

export interface ResourceKey {
  kind: ResourceKind;
  /** "" for resources outside any namespace. */
  namespace: string;
  name: string;
}

/** A manifest as the user wrote it (after translation from Kubernetes, if it was one). */
export type Manifest = Record<string, unknown>;

export interface StoredResource {
  key: ResourceKey;
  revision: number;
  object: Manifest;
}

export type EventType = "ADDED" | "MODIFIED" | "DELETED";

export interface StoreEvent {
  type: EventType;
  revision: number;
  key: ResourceKey;
  /** The resource after the change; for DELETED, as it was before. */
  object: Manifest;
}

export interface Snapshot {
  revision: number;
  resources: StoredResource[];
}

export interface CommitResult {
  revision: number;
  events: StoreEvent[];
}

/** What an agent last reported for its node. Not revisioned: it describes nodes, not desired state. */
export interface NodeStatus {
  node: string;
  /** The store revision of the Plan the node has applied. */
  revision: number;
  planHash: string;
  error: string | null;
  /** ISO time of the report, set by the server. */
  reportedAt: string;
  backend?: string;
  /** The node's underlay IPv4 address, when its agent keeps a VXLAN overlay (peers send to it). */
  underlay?: string;
}

/**
 * One IPAM record (moat-cni's address blocks: src/ipam). Outside the desired state: no revision of the
 * store, no event, no watch, so an address handed out wakes no agent; only the Workload that uses it does.
 * Each record has a version of its own, so allocations in different blocks never contend.
 */
export interface IpamRecord {
  key: string;
  /** Changes on every write of this key and never repeats, even after a delete. */
  version: number;
  value: Record<string, unknown>;
}

export interface IpamWrite {
  key: string;
  /** The version the caller read; 0 when the key must not exist yet. */
  expectedVersion: number;
  /** null deletes the record. */
  value: Record<string, unknown> | null;
}

export interface Store {
  snapshot(): Promise<Snapshot>;
  /** The current revision alone: cheap, so readers can tell whether what they hold is still current. */
  revision(): Promise<number>;
  /**
   * One transaction: puts and deletes, all or nothing, under the next revision. Throws Conflict when the
   * store's revision is no longer `expected` (someone wrote since the caller's snapshot), so callers
   * validate against exactly the state they write over. A put of an unchanged object is skipped.
   */
  commit(expected: number, puts: { key: ResourceKey; object: Manifest }[], deletes: ResourceKey[]): Promise<CommitResult>;
  /** Events after `since`, in order; throws Gone when `since` is older than the history kept. */
  eventsSince(since: number): Promise<StoreEvent[]>;
  /** Called after every commit with its events. Returns the unsubscribe function. */
  subscribe(listener: (events: StoreEvent[]) => void): () => void;
  /** Forget the history up to and including `revision`. */
  compact(revision: number): Promise<void>;
  putNodeStatus(status: NodeStatus): Promise<void>;
  listNodeStatus(): Promise<NodeStatus[]>;
  ipamList(): Promise<IpamRecord[]>;
  /** All or nothing; throws Conflict when any record's version is no longer its expectedVersion. */
  ipamCommit(writes: IpamWrite[]): Promise<void>;
  close(): Promise<void>;
}

export const keyText = (k: ResourceKey) => (k.namespace ? `${k.kind}/${k.namespace}/${k.name}` : `${k.kind}/${k.name}`);

export const sameKey = (a: ResourceKey, b: ResourceKey) => a.kind === b.kind && a.namespace === b.namespace && a.name === b.name;
