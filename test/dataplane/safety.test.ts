// Issue 7's dataplane items, on the fake kernel: status compares with what was applied, one lock per
// namespace, a flavour or backend switch leaves one copy, moat touches only its own objects, looking
// creates nothing, and a missing tool or missing root is one line.
import { describe, expect, it } from "vitest";
import { applyPlan, lockNamespace, readStatus, resetDataplane, verifyApplied } from "../../src/dataplane/index.js";
import { FakeKernel } from "../support/fake-kernel.js";
import { ipt, moatSets, planA, planB, plantForeign } from "./fixtures.js";

const kinds = async (k: FakeKernel) => (await readStatus(k, ipt)).differences.map((d) => d.kind);

describe("status compares the kernel with what was applied", () => {
  it("agrees right after an apply, and after a no-op apply", async () => {
    const k = new FakeKernel();
    await applyPlan(k, planA, ipt);
    expect(await readStatus(k, ipt)).toMatchObject({ agrees: true, differences: [] });
    await applyPlan(k, planA, ipt);
    expect((await readStatus(k, ipt)).agrees).toBe(true);
    expect(await verifyApplied(k)).toEqual({ ok: true, differences: [] });
  });

  it("says the hook is missing when moat's FORWARD jump was deleted by hand", async () => {
    const k = new FakeKernel();
    await applyPlan(k, planA, ipt);
    const hook = k.saveText("nft", 4).split("\n").find((l) => l.includes("-j moat-a-fwd"))!;
    k.plant("nft", 4, `*filter\n${hook.replace("-A ", "-D ")}\nCOMMIT\n`);
    expect(await kinds(k)).toEqual(["hook-missing"]);
    expect((await verifyApplied(k)).differences.map((d) => d.kind)).toEqual(["hook-missing"]);
  });

  it("says the hook moved when another rule went before it", async () => {
    const k = new FakeKernel();
    await applyPlan(k, planA, ipt);
    k.plant("nft", 6, "*filter\n-I FORWARD 1 -j ACCEPT\nCOMMIT\n");
    expect(await kinds(k)).toEqual(["hook-moved"]);
    expect((await verifyApplied(k)).differences.map((d) => d.kind)).toEqual(["hook-moved"]);
  });

  it("says which chain changed when a rule was inserted into one of moat's chains", async () => {
    const k = new FakeKernel();
    await applyPlan(k, planA, ipt);
    k.plant("nft", 4, "*filter\n-I moat-a-eg 1 -j ACCEPT\nCOMMIT\n");
    const s = await readStatus(k, ipt);
    expect(s.agrees).toBe(false);
    expect(s.differences).toEqual([{ kind: "chain-changed", name: "4 moat-a-eg", detail: expect.stringContaining("moat-a-eg") }]);
  });

  it("says which set changed", async () => {
    const k = new FakeKernel();
    await applyPlan(k, planA, ipt);
    const [one] = Object.keys(moatSets(k)).filter((n) => n.endsWith("-4"));
    k.plantSets(`add ${one} 192.0.2.99\n`);
    expect((await readStatus(k, ipt)).differences).toEqual([{ kind: "set-changed", name: one, detail: expect.stringContaining(one!) }]);
    // The cheap check looks at set names only.
    expect((await verifyApplied(k)).ok).toBe(true);
  });

  it("an apply puts everything back, and status agrees again", async () => {
    const k = new FakeKernel();
    await applyPlan(k, planA, ipt);
    k.plant("nft", 4, "*filter\n-I moat-a-eg 1 -j ACCEPT\n-I FORWARD 1 -j ACCEPT\nCOMMIT\n");
    await applyPlan(k, planA, ipt);
    expect(await kinds(k)).toEqual([]);
  });
});

describe("one lock per network namespace", () => {
  it("six applies at once end with one generation and one hook per family", async () => {
    const k = new FakeKernel();
    const results = await Promise.allSettled([planA, planB, planA, planB, planA, planB].map((p) => applyPlan(k, p, ipt)));
    expect(results.map((r) => r.status)).toEqual(Array(6).fill("fulfilled"));
    for (const family of [4, 6] as const) {
      const forward = k.saveText("nft", family).split("\n").filter((l) => l.startsWith("-A FORWARD") && l.includes("moat-"));
      expect(forward).toHaveLength(1);
      const generations = new Set(k.saveText("nft", family).split("\n").flatMap((l) => /^:moat-([ab])-/.exec(l)?.[1] ?? []));
      expect(generations.size).toBe(1);
    }
    expect((await readStatus(k, ipt)).agrees).toBe(true);
  });

  it("waits for the holder, then says who holds it", async () => {
    const k = new FakeKernel();
    const held = await lockNamespace(k, { holder: "test holder" });
    try {
      await expect(applyPlan(k, planA, { ...ipt, lock: { timeoutMs: 300 } })).rejects.toThrow(new RegExp(`another process holds the lock of this network namespace \\(.*netns-${k.netnsInode}\\.lock\\): pid ${process.pid} \\(test holder\\)`));
      expect(k.writes()).toEqual([]);
    } finally {
      await held.release();
    }
    expect((await applyPlan(k, planA, { ...ipt, lock: { timeoutMs: 300 } })).changed).toBe(true);
  });
});

describe("a switch of iptables flavour or backend leaves one copy", () => {
  it("legacy to nft removes the legacy copy in the same run; reset removes from every backend", async () => {
    const k = new FakeKernel();
    await applyPlan(k, planA, { flavor: "legacy" });
    const report = await applyPlan(k, planA, { flavor: "nft" });
    expect(report.removedOther).toEqual(["iptables legacy"]);
    for (const f of [4, 6] as const) expect(k.saveText("legacy", f)).not.toMatch(/moat-/);
    expect(k.saveText("nft", 4)).toMatch(/-j moat-a-fwd/);
    // A copy left in legacy by hand: reset finds it too.
    k.plant("legacy", 4, "*filter\n:moat-b-fwd - [0:0]\n-A FORWARD -m comment --comment \"moat plan 0123456789ab\" -j moat-b-fwd\nCOMMIT\n");
    const r = await resetDataplane(k);
    expect(r.chains).toBeGreaterThan(planA.chains.length);
    for (const fl of ["legacy", "nft"] as const) for (const f of [4, 6] as const) expect(k.saveText(fl, f)).not.toMatch(/moat-/);
    expect(moatSets(k)).toEqual({});
  });

  it("iptables to nftables removes the iptables chains and ipsets in the same run, and back", async () => {
    const k = new FakeKernel();
    await applyPlan(k, planA, { backend: "iptables" });
    const report = await applyPlan(k, planA, { backend: "nftables" });
    expect(report.removedOther).toEqual(["iptables nft"]);
    // All that is left of moat in iptables is the rule that accepts what moat's nft rules allow.
    expect(k.saveText("nft", 4)).toContain("-m comment --comment moat-nft-allow -j ACCEPT");
    expect(k.saveText("nft", 4).replace(/^.*moat-nft-allow.*$/m, "")).not.toMatch(/moat-/);
    expect(moatSets(k)).toEqual({});
    expect(k.nft.tables.has("inet moat-a")).toBe(true);
    const back = await applyPlan(k, planA, { backend: "iptables" });
    expect(back.removedOther).toEqual(["nftables"]);
    expect(k.nft.tables.has("inet moat-a")).toBe(false);
    await resetDataplane(k);
    expect(k.saveText("nft", 4)).not.toMatch(/moat-/);
  });
});

describe("moat touches only what it made", () => {
  const FOREIGN = (f: 4 | 6) => `*filter\n:moat-mine - [0:0]\n-A FORWARD -j moat-mine\n-A moat-mine -s ${f === 4 ? "192.0.2.0/24" : "2001:db8::/32"} -j ACCEPT\nCOMMIT\n`;

  it("leaves a foreign moat-mine chain, the jump to it and an ipset moat-custom through apply, re-apply and reset", async () => {
    const k = new FakeKernel();
    plantForeign(k, "nft");
    for (const f of [4, 6] as const) k.plant("nft", f, FOREIGN(f));
    k.plantSets("create moat-custom hash:ip family inet\nadd moat-custom 192.0.2.1\n");
    const view = () => [4, 6].map((f) => k.saveText("nft", f as 4 | 6).split("\n").filter((l) => !/moat-[ab]-|^#/.test(l)).join("\n")).join("\n");
    const before = view();
    await applyPlan(k, planA, ipt);
    await applyPlan(k, planB, ipt);
    expect(view()).toBe(before);
    await resetDataplane(k);
    expect(view()).toBe(before);
    expect(k.setMembers("moat-custom")).toEqual(["192.0.2.1"]);
    expect(k.saveText("nft", 4)).toContain("-A FORWARD -j moat-mine");
  });
});

describe("looking creates nothing", () => {
  it("status and apply with flavour detection never load the legacy tables", async () => {
    const k = new FakeKernel();
    plantForeign(k, "nft");
    await readStatus(k, ipt);
    await applyPlan(k, planA, ipt);
    await readStatus(k, ipt);
    expect([...k.tablesExist.legacy]).toEqual([]);
    expect(k.commands(/legacy/)).toEqual([]);
  });
});

describe("missing tools and privileges", () => {
  it("without root: one line saying so, of kind unavailable", async () => {
    const k = new FakeKernel();
    k.notRoot = true;
    const e = await applyPlan(k, planA, ipt).then(() => new Error("no error") as Error & { kind?: string }, (x: unknown) => x as Error & { kind?: string });
    expect(e.kind).toBe("unavailable");
    expect(e.message).toMatch(/^needs root: run as root or in a network namespace you own \(/);
    expect(e.message.split("\n")).toHaveLength(1);
  });

  it.each([
    ["ipset", "ipset"],
    ["iptables-nft-save", "iptables"],
    ["nft", "nftables"],
  ])("without %s: names the Debian package %s", async (tool, pkg) => {
    const k = new FakeKernel();
    k.missing.add(tool);
    const e = await applyPlan(k, planA, tool === "nft" ? { backend: "nftables" } : { flavor: "nft" }).then(() => new Error("no error") as Error & { kind?: string }, (x: unknown) => x as Error & { kind?: string });
    expect(e.kind).toBe("unavailable");
    expect(e.message).toBe(`${tool} is not installed: install the Debian package ${pkg} (apt-get install ${pkg})`);
  });
});
