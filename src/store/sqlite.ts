// The embedded store: one SQLite file (WAL mode) through better-sqlite3, whose calls are synchronous, so
// a commit is one transaction that no other request of this process can interleave with. Resources are
// JSON text; every commit appends its events under one new revision; history beyond `historyLimit`
// revisions is compacted after each commit, and a watch from before it is Gone.
import Database from "better-sqlite3";
import { Conflict, MoatError } from "../errors/index.js";
import type { CommitResult, IpamWrite, Manifest, NodeStatus, ResourceKey, ResourceKind, Snapshot, Store, StoreEvent, StoredResource } from "./types.js";

export interface SqliteStoreOptions {
  /** Revisions of history kept for watchers that resume (default 10,000). */
  historyLimit?: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS resources (kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
  body TEXT NOT NULL, revision INTEGER NOT NULL, PRIMARY KEY (kind, namespace, name));
CREATE TABLE IF NOT EXISTS events (revision INTEGER NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL,
  kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (revision, seq));
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (node TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ipam (key TEXT PRIMARY KEY, version INTEGER NOT NULL, body TEXT NOT NULL);
INSERT OR IGNORE INTO meta (key, value) VALUES ('revision', 0), ('compacted', 0), ('ipamVersion', 0);
`;

interface ResourceRow {
  kind: ResourceKind;
  namespace: string;
  name: string;
  body: string;
  revision: number;
}

export class Gone extends MoatError {
  constructor(readonly since: number, readonly compacted: number) {
    super("gone", `revision ${since} is older than the history kept (compacted up to ${compacted}); list again`);
  }
}

export function openSqliteStore(file: string, opts: SqliteStoreOptions = {}): Store {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec(SCHEMA);
  const historyLimit = opts.historyLimit ?? 10_000;
  const listeners = new Set<(events: StoreEvent[]) => void>();

  const q = {
    meta: db.prepare<[string], { value: number }>("SELECT value FROM meta WHERE key = ?"),
    setMeta: db.prepare("UPDATE meta SET value = ? WHERE key = ?"),
    // In the order resources were first created (an update keeps its place), so a model built from the store
    // lists them as the files that created them did, and answers match the CLI's on those files.
    all: db.prepare<[], ResourceRow>("SELECT kind, namespace, name, body, revision FROM resources ORDER BY rowid"),
    one: db.prepare<[string, string, string], ResourceRow>("SELECT kind, namespace, name, body, revision FROM resources WHERE kind = ? AND namespace = ? AND name = ?"),
    put: db.prepare("INSERT INTO resources (kind, namespace, name, body, revision) VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, namespace, name) DO UPDATE SET body = excluded.body, revision = excluded.revision"),
    del: db.prepare("DELETE FROM resources WHERE kind = ? AND namespace = ? AND name = ?"),
    event: db.prepare("INSERT INTO events (revision, seq, type, kind, namespace, name, body) VALUES (?, ?, ?, ?, ?, ?, ?)"),
    since: db.prepare<[number], { revision: number; type: StoreEvent["type"]; kind: ResourceKind; namespace: string; name: string; body: string }>(
      "SELECT revision, type, kind, namespace, name, body FROM events WHERE revision > ? ORDER BY revision, seq",
    ),
    forget: db.prepare("DELETE FROM events WHERE revision <= ?"),
    putNode: db.prepare("INSERT INTO nodes (node, body) VALUES (?, ?) ON CONFLICT (node) DO UPDATE SET body = excluded.body"),
    nodes: db.prepare<[], { body: string }>("SELECT body FROM nodes ORDER BY node"),
    ipamAll: db.prepare<[], { key: string; version: number; body: string }>("SELECT key, version, body FROM ipam ORDER BY key"),
    ipamVersion: db.prepare<[string], { version: number }>("SELECT version FROM ipam WHERE key = ?"),
    ipamPut: db.prepare("INSERT INTO ipam (key, version, body) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET version = excluded.version, body = excluded.body"),
    ipamDel: db.prepare("DELETE FROM ipam WHERE key = ?"),
  };
  const meta = (key: string) => q.meta.get(key)!.value;

  const compactTo = (revision: number) => {
    if (revision <= meta("compacted")) return;
    q.forget.run(revision);
    q.setMeta.run(revision, "compacted");
  };

  const commitTx = db.transaction((expected: number, puts: { key: ResourceKey; object: Manifest }[], deletes: ResourceKey[]): CommitResult => {
    const current = meta("revision");
    if (current !== expected) throw new Conflict(`the store changed since revision ${expected} (now ${current}); read again and retry`);
    const revision = current + 1;
    const events: StoreEvent[] = [];
    for (const { key, object } of puts) {
      const body = JSON.stringify(object);
      const old = q.one.get(key.kind, key.namespace, key.name);
      if (old?.body === body) continue;
      q.put.run(key.kind, key.namespace, key.name, body, revision);
      events.push({ type: old ? "MODIFIED" : "ADDED", revision, key, object });
    }
    for (const key of deletes) {
      const old = q.one.get(key.kind, key.namespace, key.name);
      if (!old) continue;
      q.del.run(key.kind, key.namespace, key.name);
      events.push({ type: "DELETED", revision, key, object: JSON.parse(old.body) as Manifest });
    }
    if (!events.length) return { revision: current, events };
    events.forEach((e, seq) => q.event.run(revision, seq, e.type, e.key.kind, e.key.namespace, e.key.name, JSON.stringify(e.object)));
    q.setMeta.run(revision, "revision");
    compactTo(revision - historyLimit);
    return { revision, events };
  });

  // Versions come from one counter, so a key deleted and created again never shows an old version.
  const ipamTx = db.transaction((writes: IpamWrite[]) => {
    for (const w of writes) {
      const current = q.ipamVersion.get(w.key)?.version ?? 0;
      if (current !== w.expectedVersion) throw new Conflict(`ipam record ${w.key} changed (version ${current}, expected ${w.expectedVersion}); read again and retry`);
    }
    let version = meta("ipamVersion");
    for (const w of writes) {
      if (w.value === null) q.ipamDel.run(w.key);
      else q.ipamPut.run(w.key, ++version, JSON.stringify(w.value));
    }
    q.setMeta.run(version, "ipamVersion");
  });

  const toStored = (r: ResourceRow): StoredResource => ({ key: { kind: r.kind, namespace: r.namespace, name: r.name }, revision: r.revision, object: JSON.parse(r.body) as Manifest });

  return {
    snapshot: async (): Promise<Snapshot> => db.transaction(() => ({ revision: meta("revision"), resources: q.all.all().map(toStored) }))(),
    revision: async () => meta("revision"),
    commit: async (expected, puts, deletes) => {
      const result = commitTx(expected, puts, deletes);
      if (result.events.length) for (const l of listeners) l(result.events);
      return result;
    },
    eventsSince: async (since) =>
      db.transaction(() => {
        const compacted = meta("compacted");
        if (since < compacted) throw new Gone(since, compacted);
        return q.since.all(since).map((e) => ({ type: e.type, revision: e.revision, key: { kind: e.kind, namespace: e.namespace, name: e.name }, object: JSON.parse(e.body) as Manifest }));
      })(),
    subscribe: (listener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    compact: async (revision) => void db.transaction(() => compactTo(Math.min(revision, meta("revision"))))(),
    putNodeStatus: async (status: NodeStatus) => void q.putNode.run(status.node, JSON.stringify(status)),
    listNodeStatus: async () => q.nodes.all().map((r) => JSON.parse(r.body) as NodeStatus),
    ipamList: async () => q.ipamAll.all().map((r) => ({ key: r.key, version: r.version, value: JSON.parse(r.body) as Record<string, unknown> })),
    ipamCommit: async (writes) => void ipamTx(writes),
    close: async () => {
      listeners.clear();
      db.close();
    },
  };
}
