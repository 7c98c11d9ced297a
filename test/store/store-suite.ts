// One conformance suite for every Store implementation (SQLite now, etcd next), as hono runs one router
// suite against each router: writes, all-or-nothing, revisions, watch order, resume, 410, concurrency.
import { describe, expect, it } from "vitest";
import { Conflict, MoatError } from "../../src/errors/index.js";
import type { Manifest, ResourceKey, Store, StoreEvent } from "../../src/store/index.js";

const net = (name: string, subnet = "10.0.0.0/16"): { key: ResourceKey; object: Manifest } => ({
  key: { kind: "Network", namespace: "", name },
  object: { apiVersion: "moat.dev/v1", kind: "Network", metadata: { name }, spec: { subnets: [subnet] } },
});

export function storeSuite(name: string, open: () => Promise<{ store: Store; reopen?: () => Promise<Store>; cleanup: () => Promise<void> }>): void {
  describe(`store conformance: ${name}`, () => {
    const withStore = async (fn: (s: Store, reopen?: () => Promise<Store>) => Promise<void>) => {
      const { store, reopen, cleanup } = await open();
      try {
        await fn(store, reopen);
      } finally {
        await store.close().catch(() => {});
        await cleanup();
      }
    };

    it("starts empty at revision 0; a commit of several resources is one revision, each carrying it", () =>
      withStore(async (s) => {
        expect(await s.snapshot()).toEqual({ revision: 0, resources: [] });
        const r = await s.commit(0, [net("a"), net("b", "10.1.0.0/16")], []);
        expect(r.revision).toBe(1);
        expect(r.events.map((e) => [e.type, e.key.name, e.revision])).toEqual([["ADDED", "a", 1], ["ADDED", "b", 1]]);
        const snap = await s.snapshot();
        expect(snap.revision).toBe(1);
        expect(snap.resources.map((x) => [x.key.name, x.revision])).toEqual([["a", 1], ["b", 1]]);
      }));

    it("skips unchanged puts, gives MODIFIED and DELETED, and keeps creation order through updates", () =>
      withStore(async (s) => {
        await s.commit(0, [net("a"), net("b", "10.1.0.0/16")], []);
        const same = await s.commit(1, [net("a")], []);
        expect(same).toEqual({ revision: 1, events: [] });
        const mod = await s.commit(1, [net("a", "10.2.0.0/16")], [{ kind: "Network", namespace: "", name: "b" }]);
        expect(mod.events.map((e) => [e.type, e.key.name])).toEqual([["MODIFIED", "a"], ["DELETED", "b"]]);
        expect((mod.events[1]!.object.spec as { subnets: string[] }).subnets).toEqual(["10.1.0.0/16"]);
        await s.commit(2, [net("c", "10.3.0.0/16")], []);
        await s.commit(3, [net("a", "10.4.0.0/16")], []);
        expect((await s.snapshot()).resources.map((x) => [x.key.name, x.revision])).toEqual([["a", 4], ["c", 3]]);
      }));

    it("refuses a commit over a stale revision, and stores none of it", () =>
      withStore(async (s) => {
        await s.commit(0, [net("a")], []);
        await expect(s.commit(0, [net("x"), net("y")], [])).rejects.toBeInstanceOf(Conflict);
        expect((await s.snapshot()).resources.map((x) => x.key.name)).toEqual(["a"]);
        expect((await s.snapshot()).revision).toBe(1);
      }));

    it("of concurrent writers over one snapshot, exactly one wins", () =>
      withStore(async (s) => {
        const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => s.commit(0, [net(`w${i}`, `10.${i}.0.0/16`)], [])));
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
        expect(results.filter((r) => r.status === "rejected" && r.reason instanceof Conflict)).toHaveLength(7);
        expect((await s.snapshot()).revision).toBe(1);
      }));

    it("gives the events after a revision in order, tells subscribers, and resumes after a reopen", () =>
      withStore(async (s, reopen) => {
        const seen: StoreEvent[] = [];
        const unsubscribe = s.subscribe((events) => seen.push(...events));
        for (let i = 0; i < 5; i++) await s.commit(i, [net(`n${i}`, `10.${i}.0.0/16`)], []);
        // A replicated store tells its subscribers a moment after the commit (etcd's watch); wait, bounded.
        for (let t = 0; t < 100 && seen.length < 5; t++) await new Promise((r) => setTimeout(r, 20));
        unsubscribe();
        await s.commit(5, [net("late", "10.9.0.0/16")], []);
        expect(seen.map((e) => e.revision)).toEqual([1, 2, 3, 4, 5]);
        expect((await s.eventsSince(2)).map((e) => [e.revision, e.key.name])).toEqual([[3, "n2"], [4, "n3"], [5, "n4"], [6, "late"]]);
        expect(await s.eventsSince(6)).toEqual([]);
        if (!reopen) return;
        await s.close();
        const again = await reopen();
        try {
          expect((await again.snapshot()).revision).toBe(6);
          expect((await again.eventsSince(4)).map((e) => e.revision)).toEqual([5, 6]);
        } finally {
          await again.close();
        }
      }));

    it("forgets history on compaction: a watch from before it is Gone (410)", () =>
      withStore(async (s) => {
        for (let i = 0; i < 4; i++) await s.commit(i, [net(`n${i}`, `10.${i}.0.0/16`)], []);
        await s.compact(2);
        const gone = await s.eventsSince(1).catch((e: unknown) => e);
        expect(gone).toBeInstanceOf(MoatError);
        expect((gone as MoatError).kind).toBe("gone");
        expect((await s.eventsSince(2)).map((e) => e.revision)).toEqual([3, 4]);
        expect((await s.snapshot()).resources).toHaveLength(4);
      }));

    it("keeps each node's last report", () =>
      withStore(async (s) => {
        await s.putNodeStatus({ node: "n2", revision: 3, planHash: "b", error: null, reportedAt: "t1" });
        await s.putNodeStatus({ node: "n1", revision: 1, planHash: "a", error: "x", reportedAt: "t0" });
        await s.putNodeStatus({ node: "n1", revision: 2, planHash: "a2", error: null, reportedAt: "t2" });
        expect((await s.listNodeStatus()).map((n) => [n.node, n.revision, n.error])).toEqual([["n1", 2, null], ["n2", 3, null]]);
      }));
    it("keeps IPAM records apart from the desired state: versioned each on its own, all or nothing, one winner of a race", () =>
      withStore(async (s) => {
        await s.ipamCommit([{ key: "block/a", expectedVersion: 0, value: { n: 1 } }, { key: "block/b", expectedVersion: 0, value: { n: 2 } }]);
        expect(await s.revision()).toBe(0);
        const [a, b] = await s.ipamList();
        expect([a!.key, a!.value, b!.key, b!.value]).toEqual(["block/a", { n: 1 }, "block/b", { n: 2 }]);
        // A stale version of one record refuses the whole write.
        await expect(s.ipamCommit([{ key: "block/a", expectedVersion: a!.version, value: { n: 3 } }, { key: "block/b", expectedVersion: 0, value: { n: 4 } }])).rejects.toBeInstanceOf(Conflict);
        expect((await s.ipamList()).map((r) => r.value)).toEqual([{ n: 1 }, { n: 2 }]);
        // Writers of different records do not contend; writers of one record: exactly one wins.
        const race = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => s.ipamCommit([{ key: "block/a", expectedVersion: a!.version, value: { n: 10 + i } }])));
        expect(race.filter((r) => r.status === "fulfilled")).toHaveLength(1);
        expect(race.filter((r) => r.status === "rejected" && r.reason instanceof Conflict)).toHaveLength(5);
        await s.ipamCommit([{ key: "block/b", expectedVersion: b!.version, value: { n: 5 } }]);
        // Deleted and created again, a key never shows a version it had before.
        const b2 = (await s.ipamList()).find((r) => r.key === "block/b")!;
        await s.ipamCommit([{ key: "block/b", expectedVersion: b2.version, value: null }]);
        await s.ipamCommit([{ key: "block/b", expectedVersion: 0, value: { n: 6 } }]);
        const b3 = (await s.ipamList()).find((r) => r.key === "block/b")!;
        expect([b3.value, b3.version > b2.version, b2.version > b!.version]).toEqual([{ n: 6 }, true, true]);
        await expect(s.ipamCommit([{ key: "block/b", expectedVersion: b2.version, value: null }])).rejects.toBeInstanceOf(Conflict);
        expect((await s.snapshot()).revision).toBe(0);
      }));
  });
}
