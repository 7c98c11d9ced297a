// The pure allocator over stored blocks: blocks per node, borrowing when all are claimed, fixed addresses
// (a /24's network address too, as rkt asks for 192.168.0.0), idempotent ADD, release and GC.
import { describe, expect, it } from "vitest";
import { allocate, collectGarbage, release, type BlockWrite, type StoredBlock } from "../../src/ipam/index.js";
import { parseCidr } from "../../src/model/index.js";

const subnet = (text: string) => {
  const c = parseCidr(text);
  if (!c.ok) throw new Error(c.message);
  return c.value;
};

/** Applies writes as the store would, with versions that grow. */
function applied(stored: StoredBlock[], writes: BlockWrite[] | undefined): StoredBlock[] {
  let next = stored;
  for (const w of writes ?? []) {
    const rest = next.filter((s) => s.key !== w.key);
    next = w.value ? [...rest, { key: w.key, version: (stored.find((s) => s.key === w.key)?.version ?? 0) + 1, block: w.value }] : rest;
  }
  return next;
}

const base = { network: "it", subnets: [subnet("10.9.0.0/24")], taken: new Set<string>(), ifname: "eth0" };

describe("ipam allocator", () => {
  it("gives each node a block of its own and its addresses in order, skipping the subnet's network address", () => {
    let s: StoredBlock[] = [];
    const ips: string[] = [];
    for (const [node, container] of [["n1", "a"], ["n1", "b"], ["n2", "c"], ["n1", "d"]] as const) {
      const r = allocate(s, { ...base, node, container });
      if (!r.ok) throw new Error(r.message);
      ips.push(`${node}:${r.ip}:${r.block}`);
      s = applied(s, r.write ? [r.write] : []);
    }
    expect(ips).toEqual(["n1:10.9.0.1:10.9.0.0/26", "n1:10.9.0.2:10.9.0.0/26", "n2:10.9.0.64:10.9.0.64/26", "n1:10.9.0.3:10.9.0.0/26"]);
  });

  it("ADD twice gives the same address with no write", () => {
    const first = allocate([], { ...base, node: "n1", container: "a" });
    if (!first.ok) throw new Error(first.message);
    const again = allocate(applied([], [first.write!]), { ...base, node: "n1", container: "a" });
    expect(again).toEqual({ ok: true, ip: first.ip, block: first.block });
  });

  it("takes a fixed address, the network address of a /24 too, and refuses one held or outside", () => {
    const fixed = allocate([], { ...base, subnets: [subnet("192.168.0.0/24")], node: "n1", container: "rkt", ip: "192.168.0.0" });
    expect(fixed.ok && [fixed.ip, fixed.block]).toEqual(["192.168.0.0", "192.168.0.0/26"]);
    const s = applied([], [(fixed as { write: BlockWrite }).write]);
    const twice = allocate(s, { ...base, subnets: [subnet("192.168.0.0/24")], node: "n2", container: "other", ip: "192.168.0.0" });
    expect(twice).toMatchObject({ ok: false, code: "in-use", message: expect.stringContaining("rkt") });
    expect(allocate([], { ...base, node: "n1", container: "x", ip: "10.10.0.1" })).toMatchObject({ ok: false, code: "outside", message: expect.stringContaining("10.9.0.0/24") });
    expect(allocate([], { ...base, node: "n1", container: "x", ip: "10.9.0.7", taken: new Set(["10.9.0.7"]) })).toMatchObject({ ok: false, code: "in-use" });
  });

  it("borrows from another node's block when every block is claimed, then says exhausted", () => {
    const small = { ...base, subnets: [subnet("10.7.0.0/30")] };
    const a = allocate([], { ...small, node: "n1", container: "a" });
    const s = applied([], [(a as { write: BlockWrite }).write]);
    const b = allocate(s, { ...small, node: "n2", container: "b" });
    expect(b.ok && [a.ok && a.ip, b.ip]).toEqual(["10.7.0.1", "10.7.0.2"]);
    const c = allocate(applied(s, [(b as { write: BlockWrite }).write]), { ...small, node: "n2", container: "c" });
    expect(c).toMatchObject({ ok: false, code: "exhausted" });
  });

  it("releases one attachment's address, and GC all of a node's but the valid ones", () => {
    let s: StoredBlock[] = [];
    for (const [node, container] of [["n1", "a"], ["n1", "b"], ["n1", "c"], ["n2", "d"]] as const) s = applied(s, [(allocate(s, { ...base, node, container }) as { write: BlockWrite }).write]);
    const r = release(s, "it", "b", "eth0");
    expect(r.released).toEqual(["10.9.0.2"]);
    expect(release(applied(s, r.writes), "it", "b", "eth0")).toEqual({ writes: [], released: [] });
    const gc = collectGarbage(applied(s, r.writes), "it", "n1", [{ container: "a", ifname: "eth0" }]);
    expect(gc.released).toEqual(["10.9.0.3"]);
  });
});
