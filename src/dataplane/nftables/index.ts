// The nftables executor: moat's rules in `table inet moat-a` or `table inet moat-b` (and a bridge table
// of the same name when workloads are bridged), one generation live at a time.
//
// - Rules changed (or the kernel no longer holds what the record says): make before break, in three
//   transactions. (1) The other generation's tables are created whole beside the live ones: from then
//   on both judge every packet, so a packet passes only what both allow, one of the two answers. (2)
//   The old tables' base chains are emptied: only the new rules judge. (3) The old tables are deleted.
//   Deleting a table while packets walk it (one transaction that replaces it) let a packet in flight
//   miss its verdict-map entry and fall to the deny: connections both policies allow were refused
//   (docs/design-changes.md). Then the table is read back once (terse, without elements) for the record.
// - Only set elements changed (same rules hash): `delete element` / `add element` in one transaction on
//   the live generation, from the difference between the record's elements and the Plan's.
// - Only set elements changed, and this process rendered the record's Plan (the agent; an apply after
//   an apply): the changes come from the two Plans' differences (render/nftables/update.ts) without
//   rendering either, and go to the record's journal rather than a new side file of every element.
// - Nothing changed: the record says so; a cheap check (the state set alone) confirms the live table's
//   rules hash, and nothing is written.
import type { Plan } from "../../compile/index.js";
import { GENERATIONS, NFT_FAMILY, nftables, nftTable, nftTableGeneration, otherGeneration, type Generation } from "../../render/index.js";
import { linesHash, loadRecordElements, membersHash, membersHashAfter, type AppliedRecord, type RecordWithElements } from "../record.js";
import { namespaceId } from "../namespace.js";
import type { Runner } from "../runner.js";
import { runChecked, runTool, unavailable, withFailedLine } from "../tools.js";
import type { ApplyOptions, Dataplane, Difference, ReadBack, ResetReport } from "../types.js";
import { planHash } from "../hash.js";
import { ensureBridgeNetfilter } from "../bridge.js";
import { parseNftTable, tableArgs, toReadBack } from "./read.js";
import { allowRuleDifferences, ensureAllowRules, type AllowPlace } from "./allow-rule.js";

const nftFile = (runner: Runner, text: string) => runTool(runner, "nft", ["-f", "-"], { input: text }).catch(withFailedLine);

/**
 * moat's tables in this namespace. Each is found by listing one small set of it: `nft list tables`
 * would make nft fetch the whole ruleset (minutes at 100k workloads). A table without its set (cut
 * short by hand) is found by its base chain, looked for only when no set was found (then the ruleset
 * holds no large table of moat's).
 */
export async function moatTables(runner: Runner): Promise<nftables.NftTableRef[]> {
  const probes = GENERATIONS.flatMap((g) => [
    { ref: { family: NFT_FAMILY, name: nftTable(g) } as nftables.NftTableRef, set: nftables.NFT_STATE_SET, chain: nftables.NFT_BASE_CHAIN },
    { ref: { family: "bridge", name: nftTable(g) } as nftables.NftTableRef, set: nftables.BRIDGE_SPOOF_IF, chain: nftables.BRIDGE_CHAIN },
  ]);
  const found: nftables.NftTableRef[] = [];
  for (const p of probes) {
    const r = await runner.run("nft", ["list", "set", p.ref.family, p.ref.name, p.set]);
    const u = unavailable("nft", r);
    if (u && u.message.startsWith("needs root")) throw u;
    if (r.code === 0) found.push(p.ref);
  }
  if (found.length) return found;
  for (const p of probes) if ((await runner.run("nft", ["list", "chain", p.ref.family, p.ref.name, p.chain])).code === 0) found.push(p.ref);
  return found;
}

/** Differences of moat's rules in iptables' FORWARD from the record (allowAction Accept on nftables). */
export const nftAllowRuleDifferences = (runner: Runner, rec: AppliedRecord) => allowRuleDifferences(runner, (rec as NftRecord).allowRules ?? []);

/**
 * Whether nftables works in this namespace: the nft tool is there and the kernel takes a transaction
 * from us (nf_tables loaded, privileges). A check-only transaction (`nft -c`) creates nothing and,
 * unlike `nft list tables`, does not make nft fetch the ruleset.
 */
export async function nftWorks(runner: Runner): Promise<boolean> {
  const r = await runner.run("nft", ["-c", "-f", "-"], { input: `add table ${NFT_FAMILY} ${nftTable("a")}\n` });
  return r.code === 0;
}

/** Whether moat has a table in nft. */
export async function nftPresent(runner: Runner): Promise<boolean> {
  return (await moatTables(runner)).length > 0;
}

/** The live generation: the record's when its table is there, else the one inet table there is. */
function liveGeneration(tables: nftables.NftTableRef[], recorded?: Generation): Generation | undefined {
  const inet = tables.filter((t) => t.family === NFT_FAMILY).map((t) => nftTableGeneration(t.name)!);
  if (recorded && inet.includes(recorded)) return recorded;
  return inet[0];
}

async function readTable(runner: Runner, generation: Generation, terse = false) {
  const args = tableArgs(generation);
  const r = await runChecked(runner, "nft", terse ? ["-t", ...args] : args);
  if (r.code !== 0) {
    if (/No such file or directory/.test(r.stderr)) return undefined;
    await runTool(runner, "nft", terse ? ["-t", ...args] : args);
  }
  return parseNftTable(r.stdout);
}

const isSorted = (list: readonly string[]) => list.every((e, i) => i === 0 || list[i - 1]! < e);

/**
 * What to add and remove to make `had` into `want`. Both come from renderings, whose elements are
 * sorted and distinct: then one merge-like walk, with no hashing (two Sets of 650k elements were a
 * second of a 100k apply). Anything else goes through Sets.
 */
export function listDifference(had: readonly string[], want: readonly string[]): { add: string[]; remove: string[] } {
  if (!isSorted(had) || !isSorted(want)) {
    const h = new Set(had);
    const w = new Set(want);
    return { add: want.filter((e) => !h.has(e)), remove: [...h].filter((e) => !w.has(e)) };
  }
  return nftables.sortedDifference(had, want, (e) => e);
}

function elementChanges(before: Record<string, string[]>, sets: nftables.NftSet[]) {
  const out: { set: string; add: string[]; remove: string[] }[] = [];
  for (const s of sets) {
    const { add, remove } = listDifference(before[s.name] ?? [], s.elements);
    if (add.length || remove.length) out.push({ set: s.name, ...(s.table ? { table: s.table } : {}), add, remove });
  }
  return out;
}

/** The rules hash a generation's table carries, cheaply: the comment of one empty set (see NFT_STATE_SET). */
async function hookHash(runner: Runner, generation: Generation): Promise<string | undefined> {
  const r = await runner.run("nft", ["list", "set", NFT_FAMILY, nftTable(generation), nftables.NFT_STATE_SET]);
  if (r.code !== 0) return undefined;
  return /comment "moat plan ([0-9a-f]{12})"/.exec(r.stdout)?.[1];
}

/** The chains as the kernel prints them back: the rendered text is written in that form. */
function expectedChains(plan: Plan, r: nftables.NftRendering): Record<string, string> {
  const out: Record<string, string> = { [`${NFT_FAMILY} ${nftables.NFT_BASE_CHAIN}`]: linesHash(nftables.baseChain(plan, r.rulesHash)) };
  for (const [name, rules] of r.chains) out[`${NFT_FAMILY} ${name}`] = linesHash(rules);
  if (r.bridge) out[`bridge ${nftables.BRIDGE_CHAIN}`] = linesHash(r.bridge);
  return out;
}

async function readBridge(runner: Runner, generation: Generation, terse = false) {
  const r = await runner.run("nft", [...(terse ? ["-t"] : []), ...tableArgs(generation, "bridge")]);
  return r.code === 0 ? parseNftTable(r.stdout) : undefined;
}

const isInterval = (s: { decl: string[] }) => s.decl.includes("flags interval");

/** What the nftables executor records beyond the common record: every set's elements, for the next diff. */
type NftRecord = RecordWithElements & { counts?: { rules: number; sets: number }; allowRules?: AllowPlace[] };

/**
 * Per network namespace, the index of the last rendering this process applied, and the record it made:
 * the next apply updates from it by difference while the namespace's record is still that one (another
 * process's apply makes a record of its own, and the cache is passed by).
 */
const lastRendered = new Map<string, { key: string; index: nftables.NftIndex }>();
/** Forgets every rendering, as a new process starts without them (the next apply renders in full). */
export const forgetRenderings = () => lastRendered.clear();

const recordKey = (r: AppliedRecord) => `${r.generation} ${r.rulesHash} ${r.planHash} ${r.appliedAt}`;

export function nftablesDataplane(runner: Runner): Dataplane {
  const record = (plan: Plan, rendering: nftables.NftRendering, generation: Generation, chains: Record<string, string>, setHashes: Record<string, string>): NftRecord => ({
    version: 1,
    backend: "nftables",
    node: plan.node,
    generation,
    rulesHash: rendering.rulesHash,
    planHash: planHash(plan),
    appliedAt: new Date().toISOString(),
    hooks: ["inet"],
    chains,
    sets: setHashes,
    elements: Object.fromEntries(rendering.sets.map((s) => [s.name, s.elements])),
    counts: { rules: counts(plan, rendering).rules, sets: rendering.sets.length },
  });
  const counts = (plan: Plan, r: nftables.NftRendering) => ({ rules: [...r.chains.values()].reduce((n, c) => n + c.length, 0), sets: r.sets.length, planHash: planHash(plan) });

  /** Make before break (see the header): the Plan's tables in generation `next`, then the others emptied and removed. */
  async function replace(plan: Plan, r: nftables.NftRendering, before: Record<string, string[]> | undefined, tables: nftables.NftTableRef[], next: Generation) {
    // Left from a swap cut short: both generations are there. The recorded one keeps judging while the
    // stale one is emptied and removed, so its name can be built anew.
    const stale = tables.filter((t) => t.name === nftTable(next));
    if (stale.length) {
      await nftFile(runner, nftables.renderNeutralise(stale));
      await nftFile(runner, nftables.renderDeleteTables(stale));
    }
    await nftFile(runner, nftables.renderTableText(plan, r, next));
    const old = tables.filter((t) => t.name !== nftTable(next));
    if (old.length) {
      await nftFile(runner, nftables.renderNeutralise(old));
      await nftFile(runner, nftables.renderDeleteTables(old));
    }
    const chains = expectedChains(plan, r);
    const sets: Record<string, string> = { [nftables.NFT_STATE_SET]: membersHash([]) };
    for (const s of r.sets) {
      if (isInterval(s)) {
        const one = await runTool(runner, "nft", ["list", "set", s.table ?? NFT_FAMILY, nftTable(next), s.name]);
        sets[s.name] = membersHash(parseNftTable(one.stdout).sets.get(s.name)?.elements ?? []);
      } else sets[s.name] = membersHash(s.elements);
    }
    const created = r.sets.filter((s) => !before || !(s.name in before)).length;
    return { record: record(plan, r, next, chains, sets), created };
  }

  return {
    backend: "nftables",
    async read(prefer?: Generation): Promise<ReadBack> {
      const tables = await moatTables(runner);
      const live = liveGeneration(tables, prefer) ?? prefer ?? "a";
      const hooked = tables.filter((t) => t.family === NFT_FAMILY).length;
      return toReadBack(await readTable(runner, live), await readBridge(runner, live), live, hooked);
    },
    async apply(plan: Plan, prior: AppliedRecord | undefined, opts: ApplyOptions = {}) {
      const result = await applyTables(plan, prior, opts);
      const wanted = plan.hooks[0]?.allow !== "return";
      const had = (prior as NftRecord | undefined)?.allowRules ?? [];
      // Rules unchanged (nothing written, or set elements only: a workload came or went): check only
      // where the record put moat's rule in iptables' FORWARD, so that these applies stay cheap (finding
      // every filter table costs four processes more, a third of a new workload's apply). The rule
      // does not depend on elements. A filter table that appeared since gets the rule at the next apply
      // whose rules change, or a resync.
      if (prior && !result.report.rulesChanged && !opts.resync) {
        const inPlace = wanted ? !(await nftAllowRuleDifferences(runner, prior)).length : !had.length;
        if (inPlace) return result;
      }
      // After the tables: the rule accepts only what the new rules mark.
      const allow = await ensureAllowRules(runner, wanted);
      const report = allow.changed ? { ...result.report, changed: true } : result.report;
      if (result.record === prior && had.join() === allow.places.join()) return { report, record: result.record };
      return { report, record: { ...(result.record as NftRecord), allowRules: allow.places } };
    },
    async reset(): Promise<ResetReport> {
      await ensureAllowRules(runner, false);
      return resetTables();
    },
    async verify(rec: AppliedRecord): Promise<Difference[]> {
      return [...(await verifyTables(rec)), ...(await nftAllowRuleDifferences(runner, rec))];
    },
    present: () => nftPresent(runner),
  };

  async function remember(rec: AppliedRecord, index: nftables.NftIndex | undefined) {
    const ns = await namespaceId(runner);
    if (index) lastRendered.set(ns, { key: recordKey(rec), index });
    else lastRendered.delete(ns);
  }

  /**
   * The Plan as element changes to the live generation, from the last rendering this process applied
   * (see lastRendered); undefined when there is none for this record, or the rules differ.
   */
  async function applyByDifference(plan: Plan, prior: NftRecord, notes: string[]) {
    const cached = lastRendered.get(await namespaceId(runner));
    if (!cached || cached.key !== recordKey(prior) || !prior.counts) return undefined;
    const t = performance.now();
    const u = nftables.updateNft(cached.index, plan);
    const renderMs = performance.now() - t;
    if (!u || (await hookHash(runner, prior.generation)) !== prior.rulesHash) return undefined;
    const base = { backend: "nftables" as const, rulesHash: prior.rulesHash, planHash: planHash(plan), generation: prior.generation, notes, renderMs, ...prior.counts };
    const { elements: _all, elementChanges: _changes, ...kept } = prior;
    if (!u.changes.length) {
      const rec: NftRecord = { ...kept, planHash: base.planHash };
      await remember(rec, u.index);
      return { report: { ...base, changed: false, rulesChanged: false, setsCreated: 0, setsUpdated: 0, setsRemoved: 0 }, record: rec };
    }
    try {
      await nftFile(runner, nftables.renderElementChanges(u.changes, prior.generation));
    } catch {
      // The kernel's elements are not what the record says (someone changed them): render in full.
      await remember(prior, undefined);
      return undefined;
    }
    const sets = { ...prior.sets };
    for (const c of u.changes) sets[c.set] = membersHashAfter(sets[c.set], c.add, c.remove);
    const rec: NftRecord = { ...kept, planHash: base.planHash, appliedAt: new Date().toISOString(), sets, elementChanges: u.changes.map(({ set, add, remove }) => ({ set, add, remove })) };
    await remember(rec, u.index);
    return { report: { ...base, changed: true, rulesChanged: false, setsCreated: 0, setsUpdated: u.changes.length, setsRemoved: 0 }, record: rec };
  }

  async function applyTables(plan: Plan, prior: AppliedRecord | undefined, opts: ApplyOptions) {
    const notes = plan.bridged ? await ensureBridgeNetfilter(runner) : [];
    // The very Plan applied last (its hash), and the kernel's table still says so: nothing to render or write.
    const recorded = prior as NftRecord | undefined;
    if (!opts.resync && prior && !prior.drift && recorded?.counts && prior.planHash === planHash(plan) && (await hookHash(runner, prior.generation)) === prior.rulesHash) {
      const report = { backend: "nftables" as const, rulesHash: prior.rulesHash, planHash: prior.planHash, generation: prior.generation, notes, renderMs: 0, ...recorded.counts };
      return { report: { ...report, changed: false, rulesChanged: false, setsCreated: 0, setsUpdated: 0, setsRemoved: 0 }, record: prior };
    }
    if (!opts.resync && prior && !prior.drift) {
      const updated = await applyByDifference(plan, prior as NftRecord, notes);
      if (updated) return updated;
    }
    const t = performance.now();
    const r = nftables.renderNft(plan);
    const renderMs = performance.now() - t;
    // The elements applied last, from the record's side file (the no-op above never reads it).
    const before = recorded?.elements ?? (prior ? await loadRecordElements(runner, prior) : undefined);
    const cheap = { backend: "nftables" as const, rulesHash: r.rulesHash, notes, renderMs, ...counts(plan, r) };
    // Nothing changed, or only elements: the record's generation, checked by its state set alone.
    if (!opts.resync && !prior?.drift && prior && before && prior.rulesHash === r.rulesHash && (await hookHash(runner, prior.generation)) === r.rulesHash) {
      const base = { ...cheap, generation: prior.generation };
      const changes = elementChanges(before, r.sets);
      if (!changes.length) {
        await remember(prior, r.index);
        return { report: { ...base, changed: false, rulesChanged: false, setsCreated: 0, setsUpdated: 0, setsRemoved: 0 }, record: prior };
      }
      try {
        await nftFile(runner, nftables.renderElementChanges(changes, prior.generation));
        // The rules are the same, so moat's FORWARD rule is where the record put it (apply checks it there).
        const next: NftRecord = { ...record(plan, r, prior.generation, prior.chains, { ...prior.sets, ...Object.fromEntries(changes.map((c) => [c.set, membersHash(r.sets.find((s) => s.name === c.set)!.elements)])) }), ...(recorded?.allowRules ? { allowRules: recorded.allowRules } : {}) };
        await remember(next, r.index);
        return { report: { ...base, changed: true, rulesChanged: false, setsCreated: 0, setsUpdated: changes.length, setsRemoved: 0 }, record: next };
      } catch {
        // The kernel's elements are not what the record says (someone changed them): resync in full.
      }
    }
    const tables = await moatTables(runner);
    const live = liveGeneration(tables, prior?.generation);
    const next = live ? otherGeneration(live) : "a";
    const { record: rec, created } = await replace(plan, r, before, tables, next);
    await remember(rec, r.index);
    const removed = before ? Object.keys(before).filter((n) => !r.sets.some((s) => s.name === n)).length : 0;
    return { report: { ...cheap, generation: next, changed: true, rulesChanged: true, setsCreated: created, setsUpdated: 0, setsRemoved: removed }, record: rec };
  }

  async function resetTables(): Promise<ResetReport> {
    const tables = await moatTables(runner);
    if (!tables.length) return { chains: 0, sets: 0 };
    const total = { chains: 0, sets: 0 };
    for (const t of tables) {
      const g = nftTableGeneration(t.name)!;
      const read = t.family === "bridge" ? await readBridge(runner, g, true) : await readTable(runner, g, true);
      total.chains += read?.chains.size ?? 0;
      total.sets += read?.sets.size ?? 0;
    }
    await nftFile(runner, nftables.DELETE_TABLES);
    return total;
  }

  async function verifyTables(rec: AppliedRecord): Promise<Difference[]> {
    const hash = await hookHash(runner, rec.generation);
    if (hash === undefined) return [{ kind: "hook-missing", name: "inet", detail: `moat's table ${nftTable(rec.generation)} or its state set is missing` }];
    if (hash !== rec.rulesHash) return [{ kind: "hook-changed", name: "inet", detail: `the base chain carries rules ${hash}, applied were ${rec.rulesHash}` }];
    const r = await runner.run("nft", ["-t", "list", "sets"]);
    const other = nftTable(otherGeneration(rec.generation));
    if (new RegExp(`^table ${NFT_FAMILY} ${other} \\{`, "m").test(r.stdout)) return [{ kind: "hook-duplicated", name: "inet", detail: `the other generation's table ${other} is there too (a swap cut short): both judge every packet` }];
    const names = new Set([...r.stdout.matchAll(/^\s*(?:set|map) (\S+) \{/gm)].map((m) => m[1]!));
    return Object.keys(rec.sets)
      .filter((n) => !names.has(n))
      .map((name) => ({ kind: "set-missing" as const, name, detail: `set ${name} is missing` }));
  }
}
