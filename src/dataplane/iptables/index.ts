// The iptables executor: ipset restore and iptables-restore --noflush, per family.
//
// Goals: coexist (only moat's own chains and sets are ever written, plus one jump at FORWARD 1), atomic
// (the new rules replace the old in one iptables-restore transaction per family), idempotent (what is
// already there is not written again), and fail safe (any failure leaves the rules in force).
// Order of work:
//   1. read the kernel back and diff it with the Plan (diff.ts); if it already holds the Plan, stop.
//   2. ipset restore: create the sets that are new, and fill a temporary twin of every set whose
//      members changed. Set names are hashes of their meaning, so a changed set means the same thing
//      to the old rules as to the new ones, and swapping its members in early is safe.
//   3. ipset restore: swap each twin in, destroy the twins.
//   4. iptables-restore --noflush per family: the new generation of chains (a <-> b), the new jump
//      inserted at FORWARD 1 and the old jump deleted, in one transaction.
//   5. remove the old generation's chains, then the sets no rule names any more.
import type { Plan } from "../../compile/index.js";
import { chainName, iptables, isMoatChain, tempSetName, type Family } from "../../render/index.js";
import { ensureBridgeNetfilter } from "../bridge.js";
import { existingTables, toolsFor, type Flavor, type Tools } from "../flavor.js";
import { hashView, type AppliedRecord } from "../record.js";
import type { Runner } from "../runner.js";
import { runTool, withFailedLine } from "../tools.js";
import type { ApplyOptions, Dataplane, Difference, ReadBack, ResetReport } from "../types.js";
import { diffIptables, expectedReadBack, FAMILIES, isNoop, type IptablesSteps } from "./diff.js";
import { isMoatJump, readRules, readSets, readState, toReadBack, type FamilyRules } from "./read.js";
import { planHash, rulesHash } from "../hash.js";

/** -w: wait for the xtables lock that firewalld, Docker or kube-proxy may hold, instead of failing. */
export const RESTORE_ARGS = ["-w", "10", "--noflush"];

const restore = (runner: Runner, tools: Tools, family: Family, lines: string[]) =>
  runTool(runner, tools.restore(family), RESTORE_ARGS, { input: lines.join("\n") }).catch(withFailedLine);

async function writeSets(runner: Runner, created: iptables.RenderedSet[], updated: iptables.RenderedSet[]): Promise<void> {
  const fill: string[] = [];
  for (const s of created) fill.push(iptables.ipsetCreateLine(s), ...s.members.map((m) => `add ${s.name} ${m}`));
  for (const s of updated) {
    const t = tempSetName(s.name);
    fill.push(`${iptables.ipsetCreateLine(s, t)} -exist`, `flush ${t}`, ...s.members.map((m) => `add ${t} ${m}`));
  }
  if (fill.length) {
    try {
      await runTool(runner, "ipset", ["restore"], { input: fill.join("\n") + "\n" });
    } catch (e) {
      // Nothing references the sets just made; take them away again so a retry starts clean.
      const undo = [...created.map((s) => s.name), ...updated.map((s) => tempSetName(s.name))];
      for (const name of undo) await runner.run("ipset", ["destroy", name]);
      withFailedLine(e);
    }
  }
  if (updated.length) {
    const swap = updated.flatMap((s) => [`swap ${tempSetName(s.name)} ${s.name}`, `destroy ${tempSetName(s.name)}`]);
    await runTool(runner, "ipset", ["restore"], { input: swap.join("\n") + "\n" }).catch(withFailedLine);
  }
}

async function execute(runner: Runner, tools: Tools, plan: Plan, hash: string, steps: IptablesSteps): Promise<void> {
  await writeSets(runner, steps.create, steps.update);
  if (steps.swap) {
    const { generation, oldHooks, oldChains } = steps.swap;
    for (const family of FAMILIES) {
      const lines = ["*filter"];
      // Declaring a chain in --noflush mode also empties it, so leftovers of a crashed run do not linger.
      for (const c of plan.chains) lines.push(`:${chainName(generation, c.name)} - [0:0]`);
      lines.push(...iptables.renderChainRules(plan, family, generation));
      lines.push(iptables.hookRule(plan, generation, hash).replace(/^-A FORWARD /, "-I FORWARD 1 "));
      for (const jump of oldHooks[family]) lines.push(jump.replace(/^-A /, "-D "));
      lines.push("COMMIT", "");
      await restore(runner, tools, family, lines);
    }
    for (const family of FAMILIES) {
      const stale = oldChains[family];
      if (stale.length) await restore(runner, tools, family, ["*filter", ...stale.map((c) => `-F ${c}`), ...stale.map((c) => `-X ${c}`), "COMMIT", ""]);
    }
  }
  if (steps.destroy.length) await runTool(runner, "ipset", ["restore"], { input: steps.destroy.map((n) => `destroy ${n}`).join("\n") + "\n" }).catch(withFailedLine);
}

/** Flushes and deletes every moat chain of one flavour with moat's FORWARD jumps to them; nothing else. */
export async function removeChains(runner: Runner, tools: Tools, known?: Record<Family, FamilyRules>): Promise<number> {
  const current = known ?? (await readRules(runner, tools));
  let n = 0;
  for (const family of FAMILIES) {
    const state = current[family];
    const stale = [...state.chains.keys()].filter(isMoatChain);
    const jumps = state.forward.filter(isMoatJump);
    n += stale.length;
    if (!stale.length && !jumps.length) continue;
    await restore(runner, tools, family, ["*filter", ...jumps.map((j) => j.replace(/^-A /, "-D ")), ...stale.map((c) => `-F ${c}`), ...stale.map((c) => `-X ${c}`), "COMMIT", ""]);
  }
  return n;
}

export async function destroySets(runner: Runner): Promise<number> {
  const sets = [...(await readSets(runner)).keys()];
  if (sets.length) await runTool(runner, "ipset", ["restore"], { input: sets.map((n) => `destroy ${n}`).join("\n") + "\n" }).catch(withFailedLine);
  return sets.length;
}

export interface IptablesDataplane extends Dataplane {
  readonly flavor: Flavor;
  /** Removes this flavour's chains and hooks, leaving the ipsets (the other flavour may use them). */
  removeChains(): Promise<number>;
}

export function iptablesDataplane(runner: Runner, flavor: Flavor): IptablesDataplane {
  const tools = toolsFor(flavor);
  return {
    backend: "iptables",
    flavor,
    read: async (): Promise<ReadBack> => toReadBack(await readState(runner, tools)),
    async apply(plan: Plan, _record: AppliedRecord | undefined, _opts: ApplyOptions = {}) {
      const notes: string[] = [];
      if (plan.bridged) notes.push(...(await ensureBridgeNetfilter(runner)));
      const hash = rulesHash(plan);
      const state = await readState(runner, tools);
      const t = performance.now();
      const { steps, generation, rulesChanged } = diffIptables(state, plan, hash);
      const renderMs = performance.now() - t;
      const report = {
        backend: "iptables" as const,
        flavor,
        planHash: planHash(plan),
        rulesHash: hash,
        rules: iptables.renderChainRules(plan, 4, "a").length + iptables.renderChainRules(plan, 6, "a").length,
        sets: plan.sets.length * 2,
        setsCreated: steps.create.length,
        setsUpdated: steps.update.length,
        setsRemoved: steps.destroy.length,
        notes,
        generation,
        rulesChanged,
        changed: !isNoop(steps),
        renderMs,
      };
      if (report.changed) await execute(runner, tools, plan, hash, steps);
      const record: AppliedRecord = {
        version: 1,
        backend: "iptables",
        flavor,
        node: plan.node,
        generation,
        rulesHash: hash,
        planHash: report.planHash,
        appliedAt: new Date().toISOString(),
        hooks: ["4", "6"],
        ...hashView(expectedReadBack(plan, generation, hash)),
      };
      return { report, record };
    },
    async reset(): Promise<ResetReport> {
      const chains = await removeChains(runner, tools);
      return { chains, sets: await destroySets(runner) };
    },
    removeChains: () => removeChains(runner, tools),
    async verify(record: AppliedRecord): Promise<Difference[]> {
      // Cheap: FORWARD only, and set names; chain contents are compared by status.
      const out: Difference[] = [];
      for (const family of FAMILIES) {
        const r = await runTool(runner, family === 4 ? `iptables-${flavor}` : `ip6tables-${flavor}`, ["-w", "5", "-S", "FORWARD"]);
        const lines = r.stdout.split("\n").filter((l) => l.startsWith("-A FORWARD"));
        const at = lines.findIndex(isMoatJump);
        if (at < 0) out.push({ kind: "hook-missing", name: String(family), detail: `hook (${family}) is missing` });
        else if (at > 0) out.push({ kind: "hook-moved", name: String(family), detail: `hook (${family}) is at position ${at + 1}` });
        else if (!lines[0]!.includes(`moat plan ${record.rulesHash}`) || !lines[0]!.endsWith(`moat-${record.generation}-fwd`))
          out.push({ kind: "hook-changed", name: String(family), detail: `hook (${family}) is not the one applied` });
      }
      const names = new Set((await runTool(runner, "ipset", ["list", "-n"])).stdout.split("\n"));
      for (const name of Object.keys(record.sets)) if (!names.has(name)) out.push({ kind: "set-missing", name, detail: `set ${name} is missing` });
      return out;
    },
    async present(): Promise<boolean> {
      const tables = await existingTables(runner);
      if (!tables[flavor].length) return false;
      const rules = await readRules(runner, tools);
      return FAMILIES.some((f) => rules[f].chains.size > 0 || rules[f].forward.some(isMoatJump));
    },
  };
}
