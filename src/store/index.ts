export { openSqliteStore, Gone, type SqliteStoreOptions } from "./sqlite.js";
export { RESOURCE_KINDS, keyText, sameKey } from "./types.js";
export type { Store, ResourceKey, ResourceKind, StoredResource, StoreEvent, EventType, Snapshot, CommitResult, NodeStatus, Manifest, IpamRecord, IpamWrite } from "./types.js";
export { openEtcdStore, type EtcdStoreOptions } from "./etcd.js";
