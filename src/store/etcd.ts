// The replicated store: the same Store on etcd, so that several servers share one desired state.
//
// Layout under the prefix (default /moat/):
//   meta/revision            moat's revision: one per write, as with SQLite
//   meta/compacted           history is kept after this revision
//   resources/KIND/NS/NAME   {object, revision, created: [revision, seq]}
//   events/0000000000000042  the events of revision 42, as one JSON array
//   nodes/NODE               the node's last report
//   ipam/KEY                 moat-cni's address blocks; a record's version is its etcd mod revision
// A commit is one etcd transaction that compares meta/revision with the revision its caller validated
// against, so two servers writing at once never interleave half of each: one wins, the other gets
// Conflict. moat keeps its own revision and event log (rather than etcd's revision and watch history)
// because etcd's revision also moves with node reports, and its history is reachable only through watch
// streams; an own log gives the same revisions, resume and 410 as SQLite. Live events come from one etcd
// watch on events/, which sees the writes of every server.
import { Etcd3, Range, type Watcher } from "etcd3";
import { Conflict, MoatError, Unavailable } from "../errors/index.js";
import { Gone } from "./sqlite.js";
import type { CommitResult, Manifest, NodeStatus, ResourceKey, Snapshot, Store, StoreEvent, StoredResource } from "./types.js";

export interface EtcdStoreOptions {
  endpoints: string[];
  prefix?: string;
  historyLimit?: number;
  /** PEM files' contents for etcd's client TLS. */
  tls?: { ca: Buffer; cert?: Buffer; key?: Buffer };
  /** Each etcd call gives up after this long (default 5 s): a store without quorum is 503, not a hang. */
  timeoutMs?: number;
}

interface StoredValue {
  object: Manifest;
  revision: number;
  /** Creation order: the revision that created it and its place in that write. */
  created: [number, number];
}

const pad = (n: number) => String(n).padStart(16, "0");

export async function openEtcdStore(opts: EtcdStoreOptions): Promise<Store> {
  const prefix = opts.prefix ?? "/moat/";
  const k = {
    revision: `${prefix}meta/revision`,
    compacted: `${prefix}meta/compacted`,
    resources: `${prefix}resources/`,
    events: `${prefix}events/`,
    nodes: `${prefix}nodes/`,
    ipam: `${prefix}ipam/`,
  };
  const timeoutMs = opts.timeoutMs ?? 5000;
  const client = new Etcd3({
    hosts: opts.endpoints,
    dialTimeout: timeoutMs,
    defaultCallOptions: () => ({ deadline: Date.now() + timeoutMs }),
    ...(opts.tls ? { credentials: { rootCertificate: opts.tls.ca, ...(opts.tls.key ? { privateKey: opts.tls.key } : {}), ...(opts.tls.cert ? { certChain: opts.tls.cert } : {}) } } : {}),
  });
  const where = `etcd at ${opts.endpoints.join(",")}`;
  const guarded = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof MoatError) throw e;
      throw new Unavailable(`the store (${where}) cannot ${what}: ${(e as Error).message.split("\n")[0]}`);
    }
  };
  const resourceKey = (key: ResourceKey) => `${k.resources}${key.kind}/${key.namespace}/${key.name}`;
  const number = (kv: { value: Buffer } | undefined) => (kv ? Number(kv.value.toString()) : 0);
  const historyLimit = opts.historyLimit ?? 10_000;
  const listeners = new Set<(events: StoreEvent[]) => void>();

  const readRevision = async () => {
    const r = await client.get(k.revision).exec();
    return { revision: number(r.kvs[0]), etcdRevision: r.header.revision };
  };

  const watcher: Watcher = await guarded("watch", () => client.watch().prefix(k.events).create());
  watcher.on("put", (kv) => {
    const events = JSON.parse(kv.value.toString()) as StoreEvent[];
    for (const l of listeners) l(events);
  });
  // The client reconnects by itself and resumes from the last revision it saw; errors are logged by
  // whoever notices the store failing, not thrown from here.
  watcher.on("error", () => {});

  const compactTo = async (revision: number) => {
    const compacted = number((await client.get(k.compacted).exec()).kvs[0]);
    if (revision <= compacted) return;
    await client.delete().inRange(new Range(k.events, `${k.events}${pad(revision + 1)}`)).exec();
    await client.put(k.compacted).value(String(revision)).exec();
  };

  return {
    snapshot: () =>
      guarded("read", async (): Promise<Snapshot> => {
        const { revision, etcdRevision } = await readRevision();
        // The resources as of the same etcd revision as the counter: one consistent view.
        const r = await client.getAll().prefix(k.resources).revision(etcdRevision).exec();
        const stored = r.kvs.map((kv) => JSON.parse(kv.value.toString()) as StoredValue & { key: ResourceKey });
        stored.sort((a, b) => a.created[0] - b.created[0] || a.created[1] - b.created[1]);
        return { revision, resources: stored.map((s): StoredResource => ({ key: s.key, revision: s.revision, object: s.object })) };
      }),

    revision: () => guarded("read", async () => (await readRevision()).revision),

    commit: (expected, puts, deletes) =>
      guarded("write", async (): Promise<CommitResult> => {
        const revision = expected + 1;
        const current = new Map<string, StoredValue>();
        for (const key of [...puts.map((p) => p.key), ...deletes]) {
          const value = await client.get(resourceKey(key)).string();
          if (value !== null) current.set(resourceKey(key), JSON.parse(value) as StoredValue);
        }
        const events: StoreEvent[] = [];
        const ops = [];
        let seq = 0;
        for (const { key, object } of puts) {
          const old = current.get(resourceKey(key));
          if (old && JSON.stringify(old.object) === JSON.stringify(object)) continue;
          const value = { key, object, revision, created: old?.created ?? [revision, seq++] };
          ops.push(client.put(resourceKey(key)).value(JSON.stringify(value)));
          events.push({ type: old ? "MODIFIED" : "ADDED", revision, key, object });
        }
        for (const key of deletes) {
          const old = current.get(resourceKey(key));
          if (!old) continue;
          ops.push(client.delete().key(resourceKey(key)));
          events.push({ type: "DELETED", revision, key, object: old.object });
        }
        const guard = expected === 0 ? client.if(k.revision, "Version", "==", 0) : client.if(k.revision, "Value", "==", String(expected));
        if (!events.length) {
          // Nothing to write; still say Conflict when the caller's snapshot is stale.
          if ((await readRevision()).revision !== expected) throw new Conflict(`the store changed since revision ${expected}; read again and retry`);
          return { revision: expected, events: [] };
        }
        ops.push(client.put(k.revision).value(String(revision)), client.put(`${k.events}${pad(revision)}`).value(JSON.stringify(events)));
        const result = await guard.then(...ops).commit();
        if (!result.succeeded) throw new Conflict(`the store changed since revision ${expected}; read again and retry`);
        if (revision - historyLimit > 0) await compactTo(revision - historyLimit).catch(() => {});
        return { revision, events };
      }),

    eventsSince: (since) =>
      guarded("read its history", async () => {
        const compacted = number((await client.get(k.compacted).exec()).kvs[0]);
        if (since < compacted) throw new Gone(since, compacted);
        const r = await client.getAll().inRange(new Range(`${k.events}${pad(since + 1)}`, `${k.events}~`)).sort("Key", "Ascend").exec();
        return r.kvs.flatMap((kv) => JSON.parse(kv.value.toString()) as StoreEvent[]);
      }),

    subscribe: (listener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },

    compact: (revision) => guarded("compact", async () => compactTo(Math.min(revision, (await readRevision()).revision))),

    putNodeStatus: (status: NodeStatus) => guarded("write", async () => void (await client.put(`${k.nodes}${status.node}`).value(JSON.stringify(status)).exec())),

    listNodeStatus: () =>
      guarded("read", async () => {
        const r = await client.getAll().prefix(k.nodes).sort("Key", "Ascend").exec();
        return r.kvs.map((kv) => JSON.parse(kv.value.toString()) as NodeStatus);
      }),

    ipamList: () =>
      guarded("read", async () => {
        const r = await client.getAll().prefix(k.ipam).sort("Key", "Ascend").exec();
        return r.kvs.map((kv) => ({ key: kv.key.toString().slice(k.ipam.length), version: Number(kv.mod_revision), value: JSON.parse(kv.value.toString()) as Record<string, unknown> }));
      }),

    // etcd's mod revision of a key is 0 while it does not exist and never repeats: the version needs no counter.
    ipamCommit: (writes) =>
      guarded("write", async () => {
        if (!writes.length) return;
        const [first, ...rest] = writes;
        let txn = client.if(`${k.ipam}${first!.key}`, "Mod", "==", first!.expectedVersion);
        for (const w of rest) txn = txn.and(`${k.ipam}${w.key}`, "Mod", "==", w.expectedVersion);
        const ops = writes.map((w) => (w.value === null ? client.delete().key(`${k.ipam}${w.key}`) : client.put(`${k.ipam}${w.key}`).value(JSON.stringify(w.value))));
        const result = await txn.then(...ops).commit();
        if (!result.succeeded) throw new Conflict(`ipam records ${writes.map((w) => w.key).join(", ")} changed; read again and retry`);
      }),

    close: async () => {
      listeners.clear();
      await watcher.cancel().catch(() => {});
      client.close();
    },
  };
}
