// The nftables executor: one `table inet moat`, changed by one `nft -f` transaction per apply.
//
// - Rules changed (or the kernel no longer holds what the record says): the whole table is replaced in
//   one transaction (`table`, `delete table`, the new table), so no packet is judged by neither or by
//   half of each; then the table is read back once (terse, without elements) for the record.
// - Only set elements changed (same rules hash): `delete element` / `add element` in one transaction,
//   from the difference between the record's elements and the Plan's; nothing is read back.
// - Nothing changed: the record says so; a cheap check (the base chain alone) confirms the hook and its
//   rules hash, and nothing is written.
import type { Plan } from "../../compile/index.js";
import { NFT_FAMILY, NFT_TABLE, nftables } from "../../render/index.js";
import { linesHash, type AppliedRecord } from "../record.js";
import type { Runner } from "../runner.js";
import { runChecked, runTool, unavailable, withFailedLine } from "../tools.js";
import type { ApplyOptions, Dataplane, Difference, ReadBack, ResetReport } from "../types.js";
import { planHash } from "../hash.js";
import { ensureBridgeNetfilter } from "../bridge.js";
import { parseNftTable, TABLE_ARGS, toReadBack } from "./read.js";

const nftFile = (runner: Runner, text: string) => runTool(runner, "nft", ["-f", "-"], { input: text }).catch(withFailedLine);

/** Whether moat has a table in nft: one small set of each table is listed (fast at any size). */
export async function nftPresent(runner: Runner): Promise<boolean> {
  const inet = await runner.run("nft", ["list", "set", NFT_FAMILY, NFT_TABLE, nftables.NFT_STATE_SET]);
  const u = unavailable("nft", inet);
  if (u && u.message.startsWith("needs root")) throw u;
  if (inet.code === 0) return true;
  // A table without its state set (cut short by hand): its base chain says it is there. (Slow only
  // when the table is there and large, which the state set's absence makes unusual.)
  if ((await runner.run("nft", ["list", "chain", NFT_FAMILY, NFT_TABLE, nftables.NFT_BASE_CHAIN])).code === 0) return true;
  const bridge = await runner.run("nft", ["list", "set", "bridge", NFT_TABLE, nftables.BRIDGE_SPOOF_IF]);
  return bridge.code === 0;
}

async function readTable(runner: Runner, terse = false) {
  const r = await runChecked(runner, "nft", terse ? ["-t", ...TABLE_ARGS] : TABLE_ARGS);
  if (r.code !== 0) {
    if (/No such file or directory/.test(r.stderr)) return undefined;
    await runTool(runner, "nft", terse ? ["-t", ...TABLE_ARGS] : TABLE_ARGS);
  }
  return parseNftTable(r.stdout);
}

function elementChanges(before: Record<string, string[]>, sets: nftables.NftSet[]) {
  const out: { set: string; add: string[]; remove: string[] }[] = [];
  for (const s of sets) {
    const had = new Set(before[s.name] ?? []);
    const want = new Set(s.elements);
    const add = s.elements.filter((e) => !had.has(e));
    const remove = [...had].filter((e) => !want.has(e));
    if (add.length || remove.length) out.push({ set: s.name, ...(s.table ? { table: s.table } : {}), add, remove });
  }
  return out;
}

/** The rules hash the table carries now, cheaply: the comment of one empty set (see NFT_STATE_SET). */
async function hookHash(runner: Runner): Promise<string | undefined> {
  const r = await runner.run("nft", ["list", "set", NFT_FAMILY, NFT_TABLE, nftables.NFT_STATE_SET]);
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

async function readBridge(runner: Runner, terse = false) {
  const r = await runner.run("nft", [...(terse ? ["-t"] : []), "list", "table", "bridge", NFT_TABLE]);
  return r.code === 0 ? parseNftTable(r.stdout) : undefined;
}

const isInterval = (s: { decl: string[] }) => s.decl.includes("flags interval");

export function nftablesDataplane(runner: Runner): Dataplane {
  const record = (plan: Plan, rendering: nftables.NftRendering, chains: Record<string, string>, setHashes: Record<string, string>): AppliedRecord & { elements: Record<string, string[]> } => ({
    version: 1,
    backend: "nftables",
    node: plan.node,
    generation: "a",
    rulesHash: rendering.rulesHash,
    planHash: planHash(plan),
    appliedAt: new Date().toISOString(),
    hooks: ["inet"],
    chains,
    sets: setHashes,
    elements: Object.fromEntries(rendering.sets.map((s) => [s.name, s.elements])),
  });
  const counts = (plan: Plan, r: nftables.NftRendering) => ({ rules: [...r.chains.values()].reduce((n, c) => n + c.length, 0), sets: r.sets.length, planHash: planHash(plan) });

  async function replace(plan: Plan, r: nftables.NftRendering, before: Record<string, string[]> | undefined) {
    await nftFile(runner, nftables.renderReplace(plan, r));
    const chains = expectedChains(plan, r);
    const sets: Record<string, string> = { [nftables.NFT_STATE_SET]: linesHash([]) };
    for (const s of r.sets) {
      if (isInterval(s)) {
        const one = await runTool(runner, "nft", ["list", "set", s.table ?? NFT_FAMILY, NFT_TABLE, s.name]);
        sets[s.name] = linesHash(parseNftTable(one.stdout).sets.get(s.name)?.elements ?? []);
      } else sets[s.name] = linesHash(s.elements);
    }
    const created = r.sets.filter((s) => !before || !(s.name in before)).length;
    return { record: record(plan, r, chains, sets), created };
  }

  return {
    backend: "nftables",
    read: async (): Promise<ReadBack> => toReadBack(await readTable(runner), await readBridge(runner)),
    async apply(plan: Plan, prior: AppliedRecord | undefined, opts: ApplyOptions = {}) {
      const notes = plan.bridged ? await ensureBridgeNetfilter(runner) : [];
      const t = performance.now();
      const r = nftables.renderNft(plan);
      const renderMs = performance.now() - t;
      const before = (prior as (AppliedRecord & { elements?: Record<string, string[]> }) | undefined)?.elements;
      const base = { backend: "nftables" as const, rulesHash: r.rulesHash, generation: "a" as const, notes, renderMs, ...counts(plan, r) };
      if (!opts.resync && !prior?.drift && prior && before && prior.rulesHash === r.rulesHash && (await hookHash(runner)) === r.rulesHash) {
        const changes = elementChanges(before, r.sets);
        if (!changes.length) return { report: { ...base, changed: false, rulesChanged: false, setsCreated: 0, setsUpdated: 0, setsRemoved: 0 }, record: prior };
        try {
          await nftFile(runner, nftables.renderElementChanges(changes));
          const next = record(plan, r, prior.chains, { ...prior.sets, ...Object.fromEntries(changes.map((c) => [c.set, linesHash(r.sets.find((s) => s.name === c.set)!.elements)])) });
          return { report: { ...base, changed: true, rulesChanged: false, setsCreated: 0, setsUpdated: changes.length, setsRemoved: 0 }, record: next };
        } catch {
          // The kernel's elements are not what the record says (someone changed them): resync in full.
        }
      }
      const { record: next, created } = await replace(plan, r, before);
      const removed = before ? Object.keys(before).filter((n) => !r.sets.some((s) => s.name === n)).length : 0;
      return { report: { ...base, changed: true, rulesChanged: true, setsCreated: created, setsUpdated: 0, setsRemoved: removed }, record: next };
    },
    async reset(): Promise<ResetReport> {
      const table = await readTable(runner, true);
      const bridge = await readBridge(runner);
      if (!table && !bridge) return { chains: 0, sets: 0 };
      await nftFile(runner, nftables.DELETE_TABLES);
      return { chains: (table?.chains.size ?? 0) + (bridge?.chains.size ?? 0), sets: (table?.sets.size ?? 0) + (bridge?.sets.size ?? 0) };
    },
    async verify(rec: AppliedRecord): Promise<Difference[]> {
      const hash = await hookHash(runner);
      if (hash === undefined) return [{ kind: "hook-missing", name: "inet", detail: "moat's forward base chain or its jump is missing" }];
      if (hash !== rec.rulesHash) return [{ kind: "hook-changed", name: "inet", detail: `the base chain carries rules ${hash}, applied were ${rec.rulesHash}` }];
      const r = await runner.run("nft", ["-t", "list", "sets"]);
      const names = new Set([...r.stdout.matchAll(/^\s*(?:set|map) (\S+) \{/gm)].map((m) => m[1]!));
      return Object.keys(rec.sets)
        .filter((n) => !names.has(n))
        .map((name) => ({ kind: "set-missing" as const, name, detail: `set ${name} is missing` }));
    },
    present: () => nftPresent(runner),
  };
}
