import { describe, expect, it } from "vitest";
import { applyPlan, CommandFailed, planHash, readStatus, resetDataplane } from "../../src/dataplane/index.js";
import { renderSets } from "../../src/render/index.js";
import { FakeKernel } from "../support/fake-kernel.js";
import { expectedSets, expectedView, foreignView, ipt, moatSets, moatView, planA, planB, plantForeign } from "./fixtures.js";

const FAMILIES = [4, 6] as const;
const restoreOf = (family: 4 | 6) => new RegExp(`^${family === 4 ? "iptables" : "ip6tables"}-nft-restore`);

function expectApplied(k: FakeKernel, plan: typeof planA, generation: "a" | "b"): void {
  for (const family of FAMILIES) {
    const have = moatView(k, "nft", family);
    const want = expectedView(plan, family, generation);
    expect(have.forward[0]).toBe(want.hook);
    expect(have.forward.filter((l) => l.includes("-j moat-"))).toEqual([want.hook]);
    expect(have.chains).toEqual(want.chains);
  }
  expect(moatSets(k)).toEqual(expectedSets(plan));
}

describe("applyPlan on an empty kernel", () => {
  it("installs every chain, the hook at FORWARD 1 and every set", async () => {
    const k = new FakeKernel();
    const report = await applyPlan(k, planA, ipt);
    expect(report).toMatchObject({ changed: true, generation: "a", flavor: "nft", planHash: planHash(planA), setsCreated: renderSets(planA).length });
    expectApplied(k, planA, "a");
  });

  it("writes nothing when applied again", async () => {
    const k = new FakeKernel();
    await applyPlan(k, planA, ipt);
    const before = k.calls.length;
    const report = await applyPlan(k, planA, ipt);
    expect(report.changed).toBe(false);
    expect(report.generation).toBe("a");
    const again = k.calls.slice(before);
    expect(again.length).toBeGreaterThan(0);
    expect(again.filter((c) => /restore$|^ipset$/.test(c.cmd) && c.args[0] !== "save")).toEqual([]);
  });
});

describe("applyPlan with a changed plan", () => {
  async function changed() {
    const k = new FakeKernel();
    await applyPlan(k, planA, ipt);
    const mark = k.calls.length;
    const report = await applyPlan(k, planB, ipt);
    return { k, report, calls: k.calls.slice(mark) };
  }

  it("flips the generation a -> b and leaves exactly the new plan", async () => {
    const { k, report } = await changed();
    expect(report).toMatchObject({ changed: true, generation: "b", planHash: planHash(planB) });
    expectApplied(k, planB, "b");
    expect(k.setNames().filter((n) => /t$/.test(n))).toEqual([]);
  });

  it("swaps the hook in one restore per family: new chains, -I FORWARD 1, -D of the old jump", async () => {
    const { calls } = await changed();
    for (const family of FAMILIES) {
      const restores = calls.filter((c) => restoreOf(family).test(c.cmd));
      const swaps = restores.filter((c) => c.input!.includes("-I FORWARD 1 "));
      expect(swaps).toHaveLength(1);
      const lines = swaps[0]!.input!.split("\n");
      const hook = expectedView(planB, family, "b").hook.replace("-A FORWARD ", "-I FORWARD 1 ");
      expect(lines).toContain(hook);
      expect(lines).toContain(expectedView(planA, family, "a").hook.replace("-A FORWARD ", "-D FORWARD "));
      for (const chain of planB.chains) expect(lines).toContain(`:moat-b-${chain.name} - [0:0]`);
      expect(lines.filter((l) => l.includes("moat-a-") && !l.startsWith("-D FORWARD"))).toEqual([]);
      // The old generation goes only after the swap.
      const removal = restores.findIndex((c) => c.input!.includes("-X moat-a-fwd"));
      expect(removal).toBeGreaterThan(restores.indexOf(swaps[0]!));
    }
  });

  it("creates new sets, refills changed ones through a temporary set and swap, removes unused ones", async () => {
    const { report, calls } = await changed();
    const before = expectedSets(planA);
    const after = expectedSets(planB);
    const created = Object.keys(after).filter((n) => !(n in before));
    const removed = Object.keys(before).filter((n) => !(n in after));
    const updated = Object.keys(after).filter((n) => n in before && before[n]!.join() !== after[n]!.join());
    expect(created.length * removed.length * updated.length).toBeGreaterThan(0);
    expect(report).toMatchObject({ setsCreated: created.length, setsUpdated: updated.length, setsRemoved: removed.length });

    const ipset = calls.filter((c) => c.cmd === "ipset" && c.args[0] === "restore").flatMap((c) => c.input!.split("\n"));
    for (const n of created) expect(ipset.some((l) => l.startsWith(`create ${n} `))).toBe(true);
    for (const n of updated) {
      expect(ipset).toContain(`swap ${n}t ${n}`);
      expect(ipset.some((l) => l.startsWith(`create ${n} `) || l === `destroy ${n}`)).toBe(false);
    }
    for (const n of removed) expect(ipset).toContain(`destroy ${n}`);
    const unchanged = Object.keys(after).filter((n) => n in before && !updated.includes(n));
    for (const n of unchanged) expect(ipset.some((l) => l.split(" ")[1] === n || l.split(" ")[1] === `${n}t`)).toBe(false);
  });

  it("is a no-op when the changed plan is applied again", async () => {
    const { k } = await changed();
    const mark = k.calls.length;
    expect((await applyPlan(k, planB, ipt)).changed).toBe(false);
    expect(k.writes().filter((c) => k.calls.indexOf(c) >= mark)).toEqual([]);
  });
});

describe("coexisting with other firewalls", () => {
  it("leaves foreign chains, rules, policies and sets byte-identical through apply, re-apply, change and reset", async () => {
    const k = new FakeKernel();
    plantForeign(k, "nft");
    const save = (f: 4 | 6) => k.saveText("nft", f);
    const initial = { 4: save(4), 6: save(6), sets: k.ipsetSaveText() };
    const foreignSets = () => k.ipsetSaveText().split("\n").filter((l) => !l.includes("moat-")).join("\n");

    for (const step of [() => applyPlan(k, planA, ipt), () => applyPlan(k, planA, ipt), () => applyPlan(k, planB, ipt), () => applyPlan(k, planA, ipt)]) {
      await step();
      for (const f of FAMILIES) {
        expect(foreignView(save(f))).toBe(foreignView(initial[f]));
        expect(moatView(k, "nft", f).forward[0]).toMatch(/-j moat-[ab]-fwd$/);
      }
      expect(foreignSets()).toBe(initial.sets);
    }
    await resetDataplane(k);
    expect(save(4)).toBe(initial[4]);
    expect(save(6)).toBe(initial[6]);
    expect(k.ipsetSaveText()).toBe(initial.sets);
  });

  it("re-asserts a hook that another firewall pushed down", async () => {
    const k = new FakeKernel();
    plantForeign(k, "nft");
    await applyPlan(k, planA, ipt);
    for (const f of FAMILIES) k.plant("nft", f, "*filter\n-I FORWARD 1 -j DOCKER-USER\nCOMMIT\n");
    expect((await readStatus(k, ipt)).hookAtTop).toBe(false);

    const report = await applyPlan(k, planA, ipt);
    expect(report.changed).toBe(true);
    for (const f of FAMILIES) {
      const forward = moatView(k, "nft", f).forward;
      expect(forward[0]).toBe(expectedView(planA, f, report.generation).hook);
      expect(forward.filter((l) => l.includes("moat-"))).toHaveLength(1);
      expect(forward.filter((l) => l === "-A FORWARD -j DOCKER-USER")).toHaveLength(2);
    }
    expect(Object.keys(moatView(k, "nft", 4).chains).every((c) => c.startsWith(`moat-${report.generation}-`))).toBe(true);
    expect((await readStatus(k, ipt)).hookAtTop).toBe(true);
    expect((await applyPlan(k, planA, ipt)).changed).toBe(false);
  });

  it("puts the hook back after a reload flushed FORWARD, and after one removed everything", async () => {
    const k = new FakeKernel();
    await applyPlan(k, planA, ipt);
    for (const f of FAMILIES) k.plant("nft", f, "*filter\n-F FORWARD\nCOMMIT\n");
    await applyPlan(k, planA, ipt);
    expectApplied(k, planA, "a");

    // A full reload (iptables-restore without --noflush) deletes moat's chains too; the sets stay.
    for (const f of FAMILIES) await k.run(`${f === 4 ? "iptables" : "ip6tables"}-nft-restore`, [], { input: "*filter\nCOMMIT\n" });
    await applyPlan(k, planA, ipt);
    expectApplied(k, planA, "a");
  });
});

describe("resetDataplane", () => {
  it("removes exactly moat's jump, chains and sets and says how many", async () => {
    const k = new FakeKernel();
    plantForeign(k, "nft");
    const before = { 4: k.saveText("nft", 4), 6: k.saveText("nft", 6), sets: k.setNames() };
    await applyPlan(k, planB, ipt);
    const r = await resetDataplane(k);
    expect(r).toEqual({ chains: planB.chains.length * 2, sets: renderSets(planB).length });
    expect(k.saveText("nft", 4)).toBe(before[4]);
    expect(k.saveText("nft", 6)).toBe(before[6]);
    expect(k.setNames()).toEqual(before.sets);
    expect(await resetDataplane(k)).toEqual({ chains: 0, sets: 0 });
  });
});

describe("failures", () => {
  it("a refused iptables-restore leaves the previous rules in force and names the command, the line and stderr", async () => {
    const k = new FakeKernel();
    plantForeign(k, "nft");
    await applyPlan(k, planA, ipt);
    const before = { 4: k.saveText("nft", 4), 6: k.saveText("nft", 6) };
    k.failNext({ command: /^iptables-nft-restore -w 10 --noflush$/, line: /^-A moat-b-deny /, message: "RULE_APPEND failed (No such file or directory): rule in chain moat-b-deny" });

    const err = await applyPlan(k, planB, ipt).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CommandFailed);
    const failed = k.calls.find((c) => c.result.code !== 0 && c.cmd.endsWith("-restore"))!;
    const n = failed.input!.split("\n").findIndex((l) => l.startsWith("-A moat-b-deny ")) + 1;
    const message = (err as Error).message;
    expect(message).toContain("iptables-nft-restore -w 10 --noflush");
    expect(message).toContain(`refused input line ${n}: ${failed.input!.split("\n")[n - 1]}`);
    expect(message).toContain("RULE_APPEND failed (No such file or directory): rule in chain moat-b-deny");
    expect(k.saveText("nft", 4)).toBe(before[4]);
    expect(k.saveText("nft", 6)).toBe(before[6]);

    await applyPlan(k, planB, ipt);
    expectApplied(k, planB, "b");
  });

  it("a refused ip6tables-restore after IPv4 went through converges on the next apply", async () => {
    const k = new FakeKernel();
    await applyPlan(k, planA, ipt);
    const v6 = k.saveText("nft", 6);
    k.failNext({ command: /^ip6tables-nft-restore -w 10 --noflush$/, line: /^-I FORWARD 1 / });
    await expect(applyPlan(k, planB, ipt)).rejects.toThrow(/ip6tables-nft-restore -w 10 --noflush exited 1/);
    expect(k.saveText("nft", 6)).toBe(v6);
    const report = await applyPlan(k, planB, ipt);
    expectApplied(k, planB, report.generation);
    expect((await applyPlan(k, planB, ipt)).changed).toBe(false);
  });

  // The union sets ("workloads some egress policy selects") are named by the selectors they unite, so a new
  // egress policy makes a new set instead of changing one the rules in force still use.
  it("a refused iptables-restore leaves the union sets as the previous rules expect", async () => {
    const k = new FakeKernel();
    await applyPlan(k, planA, ipt);
    const union = planA.sets.find((s) => s.comment === "workloads some egress policy selects")!;
    const unionB = planB.sets.find((s) => s.comment === "workloads some egress policy selects")!;
    expect(unionB.name).not.toBe(union.name);
    expect(unionB.v4).not.toEqual(union.v4);
    k.failNext({ command: /^iptables-nft-restore -w 10 --noflush$/, line: /^COMMIT$/ });
    await expect(applyPlan(k, planB, ipt)).rejects.toThrow(CommandFailed);
    expect(moatSets(k)[`${union.name}-4`]).toEqual(expectedSets(planA)[`${union.name}-4`]);
  });

  for (const [what, line] of [
    ["adding to a temporary set", /^add moat-\S+t /],
    ["creating a new set", /^create moat-c/],
  ] as const) {
    it(`a refused ipset restore (${what}) leaves no half-made sets and the rules untouched`, async () => {
      const k = new FakeKernel();
      plantForeign(k, "nft");
      await applyPlan(k, planA, ipt);
      const before = { sets: k.ipsetSaveText(), 4: k.saveText("nft", 4), 6: k.saveText("nft", 6) };
      k.failNext({ command: /^ipset restore$/, line, message: "Hash is full, cannot add more elements" });
      await expect(applyPlan(k, planB, ipt)).rejects.toThrow(/ipset restore exited 1: ipset v7.19: Error in line \d+: Hash is full[^]*refused input line \d+: (add|create) moat-/);
      expect(k.ipsetSaveText()).toBe(before.sets);
      expect(k.saveText("nft", 4)).toBe(before[4]);
      expect(k.saveText("nft", 6)).toBe(before[6]);
      await applyPlan(k, planB, ipt);
      expectApplied(k, planB, "b");
    });
  }

  it("recovers from temporary sets left behind by a swap that failed half way", async () => {
    const k = new FakeKernel();
    await applyPlan(k, planA, ipt);
    k.failNext({ command: /^ipset restore$/, line: /^swap /, message: "The sets cannot be swapped" });
    await expect(applyPlan(k, planB, ipt)).rejects.toThrow(CommandFailed);
    expect(k.setNames().some((n) => /t$/.test(n))).toBe(true);
    await applyPlan(k, planB, ipt);
    expectApplied(k, planB, "b");
    expect(k.setNames().filter((n) => /t$/.test(n))).toEqual([]);
  });
});
