// The nftables executor on the fake kernel: one transaction per apply, element updates for workloads
// that come or go, a no-op that reads only the base chain, status against the record, and revoke.
import { describe, expect, it } from "vitest";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { applyPlan, forgetRenderings, namespaceId, readStatus, resetDataplane, verifyApplied } from "../../src/dataplane/index.js";
import { nftables } from "../../src/render/index.js";
import { FakeKernel } from "../support/fake-kernel.js";
import { planA, planAWithNewWorkload, planB } from "./fixtures.js";

const nft = { backend: "nftables" as const };
const nftWrites = (k: FakeKernel) => k.calls.filter((c) => c.cmd === "nft" && c.args.includes("-f"));

describe("nftables apply", () => {
  it("installs the table in one nft -f transaction and agrees with status", async () => {
    const k = new FakeKernel();
    const report = await applyPlan(k, planA, nft);
    expect(report).toMatchObject({ backend: "nftables", changed: true, rulesChanged: true });
    expect(nftWrites(k)).toHaveLength(1);
    const t = k.nft.tables.get("inet moat-a")!;
    expect([...t.chains.keys()]).toContain("forward");
    // allowAction Accept: marked before the jump (for moat's rule in iptables' FORWARD), unmarked after.
    expect(t.chains.get("forward")![2]).toMatch(new RegExp(`^jump moat-fwd comment "moat plan ${report.rulesHash}"$`));
    expect(t.chains.get("forward")![1]).toMatch(/^meta mark set meta mark \| 0x01000000 /);
    expect(await readStatus(k, nft)).toMatchObject({ backend: "nftables", agrees: true, applied: true, hookAtTop: true });
    expect(await verifyApplied(k)).toEqual({ ok: true, differences: [] });
  });

  it("a repeated apply writes nothing and reads only the state set", async () => {
    const k = new FakeKernel();
    await applyPlan(k, planA, nft);
    const before = k.calls.length;
    const again = await applyPlan(k, planA, nft);
    expect(again.changed).toBe(false);
    const calls = k.calls.slice(before).map((c) => [c.cmd, ...c.args].join(" "));
    expect(calls.filter((c) => c.startsWith("nft"))).toEqual(["nft list set inet moat-a moat-state"]);
    // iptables' filter tables only (moat's rule in FORWARD, allow-rule.ts), never moat's own table.
    expect(calls.filter((c) => /save|list table/.test(c) && !/^ip6?tables-(nft|legacy)-save -t filter$/.test(c))).toEqual([]);
    // The same Plan (by its hash) is not even rendered again.
    expect(again.timings.render).toBe(0);
    // An equal Plan compiled anew is the same Plan.
    expect((await applyPlan(k, structuredClone(planA), nft)).timings.render).toBe(0);
  });

  it("a workload more is element adds only, one transaction, nothing read back", async () => {
    const k = new FakeKernel();
    await applyPlan(k, planA, nft);
    const before = k.calls.length;
    const grown = await applyPlan(k, planAWithNewWorkload, nft);
    expect(grown).toMatchObject({ changed: true, rulesChanged: false });
    const calls = k.calls.slice(before).filter((c) => c.cmd === "nft");
    const write = calls.filter((c) => c.args.includes("-f"));
    expect(write).toHaveLength(1);
    // The new address only, once for each Plan set it joins (each with that set's tag).
    const adds = write[0]!.input!.trim().split("\n");
    expect(adds.every((l) => /^add element inet moat-a \S+ \{ 10\.1\.0\.4 \. 0x[0-9a-f]{8}(, 10\.1\.0\.4 \. 0x[0-9a-f]{8})* \}$/.test(l))).toBe(true);
    expect(calls.filter((c) => c.args.includes("table"))).toEqual([]);
    // moat's rule in iptables' FORWARD does not depend on elements: checked where the record put it
    // (a save each), not looked for in every filter table; and the record still says where it is.
    const all = k.calls.slice(before).map((c) => [c.cmd, ...c.args].join(" "));
    expect(all.filter((c) => /ip6?_tables_names/.test(c))).toEqual([]);
    expect(all.filter((c) => /^ip6?tables-nft-save -t filter$/.test(c)).length).toBeGreaterThan(0);
    expect(await verifyApplied(k)).toEqual({ ok: true, differences: [] });
    expect((await readStatus(k, nft)).agrees).toBe(true);
    // And back: element deletes.
    const shrunk = await applyPlan(k, planA, nft);
    expect(shrunk.rulesChanged).toBe(false);
    expect(nftWrites(k).at(-1)!.input!).toMatch(/^delete element inet moat-a /);
    expect((await readStatus(k, nft)).agrees).toBe(true);
  });

  it("keeps the set elements in a side file that a no-op never reads; a side file of another record means a full rewrite", async () => {
    const k = new FakeKernel();
    await applyPlan(k, planA, nft);
    const main = join(process.env.MOAT_STATE_DIR!, `netns-${await namespaceId(k)}.json`);
    const side = main.replace(/\.json$/, ".elements.json");
    const rec = JSON.parse(readFileSync(main, "utf8")) as { elements?: unknown; elementsId?: string };
    expect(rec.elements).toBeUndefined();
    expect(JSON.parse(readFileSync(side, "utf8")).id).toBe(rec.elementsId);
    // A no-op does not need it: removed, the repeated apply still writes nothing.
    rmSync(side);
    expect((await applyPlan(k, planA, nft)).changed).toBe(false);
    // Without the elements applied last, a new process cannot make a workload more a diff: the tables are made anew.
    forgetRenderings();
    const grown = await applyPlan(k, planAWithNewWorkload, nft);
    expect(grown).toMatchObject({ changed: true, rulesChanged: true });
    // With them (written by that apply), the way back is element deletes.
    forgetRenderings();
    expect((await applyPlan(k, planA, nft)).rulesChanged).toBe(false);
    // A side file left by another record (a crash between the two writes) is not trusted.
    writeFileSync(side, JSON.stringify({ id: "someone-else", elements: {} }));
    forgetRenderings();
    expect((await applyPlan(k, planAWithNewWorkload, nft)).rulesChanged).toBe(true);
    expect((await readStatus(k, nft)).agrees).toBe(true);
  });

  it("updates by difference in the process that rendered the last Plan, journals the changes, and a new process diffs against the side file and journal", async () => {
    const k = new FakeKernel();
    await applyPlan(k, planA, nft);
    const main = join(process.env.MOAT_STATE_DIR!, `netns-${await namespaceId(k)}.json`);
    const side = main.replace(/\.json$/, ".elements.json");
    const sideBefore = readFileSync(side, "utf8");
    // In this process: element changes, without rendering either Plan or rewriting the side file.
    for (const plan of [planAWithNewWorkload, planA, planAWithNewWorkload]) {
      const before = k.calls.length;
      const r = await applyPlan(k, plan, nft);
      expect(r).toMatchObject({ changed: true, rulesChanged: false });
      const writes = k.calls.slice(before).filter((c) => c.cmd === "nft" && c.args.includes("-f"));
      expect(writes.map((c) => c.input!.split(" ")[0])).toEqual([expect.stringMatching(/^(add|delete)$/)]);
      expect((await readStatus(k, nft)).agrees).toBe(true);
    }
    expect(readFileSync(side, "utf8")).toBe(sideBefore);
    const journal = readFileSync(main.replace(/\.json$/, ".elements.log"), "utf8").trim().split("\n");
    expect(journal).toHaveLength(3);
    expect(JSON.parse(readFileSync(main, "utf8")).elementsSeq).toBe(3);
    // A new process: the side file with the journal replayed is what the kernel holds, so the way back is a diff.
    forgetRenderings();
    const back = await applyPlan(k, planA, nft);
    expect(back).toMatchObject({ changed: true, rulesChanged: false });
    expect((await readStatus(k, nft)).agrees).toBe(true);
    // A journal line missing (cut short) is no diff to trust: the tables are made anew.
    await applyPlan(k, planAWithNewWorkload, nft);
    writeFileSync(main.replace(/\.json$/, ".elements.log"), "");
    forgetRenderings();
    expect(await applyPlan(k, planA, nft)).toMatchObject({ rulesChanged: true });
    expect((await readStatus(k, nft)).agrees).toBe(true);
  });

  it("a changed policy is made before the old is broken: new table beside, old emptied, old removed; status sees a rule inserted by hand", async () => {
    const k = new FakeKernel();
    await applyPlan(k, planA, nft);
    const writes = nftWrites(k).length;
    const changed = await applyPlan(k, planB, nft);
    expect(changed).toMatchObject({ rulesChanged: true, generation: "b" });
    // Three transactions: while the first holds, both tables judge (a packet passes only what both
    // allow); the old base chain is emptied before its table (and the maps packets look up) goes.
    const [create, neutralise, remove] = nftWrites(k).slice(writes).map((c) => c.input!);
    expect(create).toMatch(/^table inet moat-b \{/);
    expect(create).not.toMatch(/delete/);
    expect(neutralise).toBe("add chain inet moat-a forward\nflush chain inet moat-a forward\n");
    expect(remove).toBe("delete table inet moat-a\n");
    expect([...k.nft.tables.keys()]).toEqual(["inet moat-b"]);
    expect((await readStatus(k, nft)).agrees).toBe(true);
    k.nft.tables.get("inet moat-b")!.chains.get("moat-eg")!.unshift("accept");
    expect((await readStatus(k, nft)).differences).toEqual([{ kind: "chain-changed", name: "inet moat-eg", detail: expect.any(String) }]);
    k.nft.tables.get("inet moat-b")!.chains.get("forward")!.splice(2, 1);
    expect((await readStatus(k, nft)).differences.map((d) => d.kind)).toEqual(["hook-missing", "chain-changed", "chain-changed"]);
    // The cheap check reads only the state set; status found it, so the next apply repairs in full.
    expect((await verifyApplied(k)).ok).toBe(true);
    expect((await applyPlan(k, planB, nft)).rulesChanged).toBe(true);
    expect((await readStatus(k, nft)).agrees).toBe(true);
    k.nft.tables.delete("inet moat-a");
    expect((await verifyApplied(k)).differences.map((d) => d.kind)).toEqual(["hook-missing"]);
    expect((await applyPlan(k, planB, nft)).rulesChanged).toBe(true);
  });

  it("a swap cut short (both generations there) is seen by status and verify, and the next apply leaves one", async () => {
    const k = new FakeKernel();
    await applyPlan(k, planA, nft);
    // The next generation built, then the apply died before emptying the old one.
    await k.run("nft", ["-f", "-"], { input: nftables.renderTableText(planB, undefined, "b") });
    expect((await verifyApplied(k)).differences.map((d) => d.kind)).toEqual(["hook-duplicated"]);
    expect((await readStatus(k, nft)).differences.map((d) => d.kind)).toContain("hook-duplicated");
    expect((await applyPlan(k, planB, nft)).rulesChanged).toBe(true);
    expect([...k.nft.tables.keys()]).toEqual(["inet moat-b"]);
    expect((await readStatus(k, nft)).agrees).toBe(true);
  });

  it("leaves foreign nft tables byte-identical, and reset removes only moat's", async () => {
    const k = new FakeKernel();
    await k.run("nft", ["-f", "-"], { input: "table inet firewalld {\n\tchain filter_FORWARD {\n\t\ttype filter hook forward priority filter + 10; policy accept;\n\t\treject with icmpx type admin-prohibited\n\t}\n}\n" });
    const foreign = k.nft.ruleset();
    await applyPlan(k, planA, nft);
    await applyPlan(k, planB, nft);
    await resetDataplane(k);
    expect(k.nft.ruleset()).toBe(foreign);
  });
});

describe("revoke of established connections", () => {
  it("deletes the conntrack entries of flows the new plan denies, and keeps the others", async () => {
    const k = new FakeKernel();
    // planB denies web-1 (10.1.0.1) egress to 192.0.2.0/24; its connection to 10.2.0.1:5432 stays allowed.
    k.conntrack = [
      "tcp      6 431999 ESTABLISHED src=10.1.0.1 dst=192.0.2.7 sport=40000 dport=443 src=192.0.2.7 dst=10.1.0.1 sport=443 dport=40000 [ASSURED] mark=0 use=1",
      "tcp      6 431999 ESTABLISHED src=10.1.0.1 dst=10.2.0.1 sport=40001 dport=5432 src=10.2.0.1 dst=10.1.0.1 sport=5432 dport=40001 [ASSURED] mark=0 use=1",
    ];
    await applyPlan(k, planA, nft);
    expect(k.conntrack).toHaveLength(2);
    const report = await applyPlan(k, planB, nft);
    expect(report.revoked).toBe(1);
    expect(k.conntrack).toEqual([expect.stringContaining("dport=5432")]);
    k.conntrack.push("tcp      6 431999 ESTABLISHED src=10.1.0.1 dst=192.0.2.8 sport=1 dport=80 src=192.0.2.8 dst=10.1.0.1 sport=80 dport=1 [ASSURED] mark=0 use=1");
    await applyPlan(k, planA, nft);
    expect((await applyPlan(k, planB, { ...nft, revokeEstablished: false })).revoked).toBe(0);
    expect(k.conntrack).toHaveLength(2);
  });
});

describe("Settings reach the dataplane through the Plan", () => {
  it("spec.backend picks the backend, spec.revokeEstablished: false keeps connections", async () => {
    const k = new FakeKernel();
    k.conntrack = ["tcp      6 431999 ESTABLISHED src=10.1.0.1 dst=192.0.2.7 sport=40000 dport=443 src=192.0.2.7 dst=10.1.0.1 sport=443 dport=40000 [ASSURED] mark=0 use=1"];
    const settings = { backend: "nftables" as const, revokeEstablished: false };
    expect((await applyPlan(k, { ...planA, apply: settings })).backend).toBe("nftables");
    expect((await applyPlan(k, { ...planB, apply: settings })).revoked).toBe(0);
    expect(k.conntrack).toHaveLength(1);
    expect((await applyPlan(k, { ...planA, apply: { ...settings, revokeEstablished: true } })).backend).toBe("nftables");
    expect((await applyPlan(k, { ...planB, apply: { ...settings, revokeEstablished: true } })).revoked).toBe(1);
  });
});
