// The entry points the CLI and the agent call. Each takes the namespace's lock, picks the backend, runs
// its executor, keeps the record of what was applied, and removes any copy of moat another backend (or
// the other iptables) still holds, so a host never enforces twice or by half.
import type { Plan } from "../compile/index.js";
import type { BackendName } from "../render/index.js";
import { existingTables, detectFlavor, FLAVORS, type Flavor } from "./flavor.js";
import { iptablesDataplane } from "./iptables/index.js";
import { destroySets } from "./iptables/index.js";
import { withNamespaceLock, type LockOptions } from "./lock.js";
import { nftablesDataplane, nftAllowRuleDifferences, nftPresent, nftWorks } from "./nftables/index.js";
import { ensureAllowRules } from "./nftables/allow-rule.js";
import { clearRecord, compareWithRecord, loadRecord, saveRecord } from "./record.js";
import type { Runner } from "./runner.js";
import { revokeDenied } from "./revoke.js";
import type { ApplyReport, Dataplane, DataplaneStatus, Difference, ResetReport } from "./types.js";

export type BackendChoice = "auto" | BackendName;

export interface DataplaneOptions {
  /** Which backend; auto (the default) keeps the one in use, else nftables where nft works, else iptables. */
  backend?: BackendChoice;
  /** iptables only: legacy or nft; detected when absent. */
  flavor?: Flavor;
  /** The namespace lock: false to skip it (the caller holds it already). */
  lock?: false | LockOptions;
  /** Cut established connections the new Plan denies (default: the Plan's setting, on). */
  revokeEstablished?: boolean;
  /** Rewrite everything even when the record says it is in place: after `status` found a difference. */
  resync?: boolean;
}

/** What auto means where no kernel is asked (`compile -o text`): nftables, as on any host with nf_tables. */
export const DEFAULT_BACKEND: BackendName = "nftables";

/** auto on a host: nftables when nft works in this namespace, else iptables. */
const hostDefault = async (runner: Runner): Promise<BackendName> => ((await nftWorks(runner)) ? "nftables" : "iptables");

const round = (ms: number) => Math.round(ms * 10) / 10;

async function timed<T>(t: { kernel: number }, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await fn();
  } finally {
    t.kernel += performance.now() - start;
  }
}

function locked<T>(runner: Runner, opts: DataplaneOptions, holder: string, fn: () => Promise<T>): Promise<T> {
  if (opts.lock === false) return fn();
  return withNamespaceLock(runner, fn, { holder, ...(opts.lock ?? {}) });
}

async function open(runner: Runner, backend: BackendName, flavor?: Flavor): Promise<Dataplane & { flavor?: Flavor }> {
  if (backend === "nftables") return nftablesDataplane(runner);
  return iptablesDataplane(runner, flavor ?? (await detectFlavor(runner)));
}

async function resolveBackend(runner: Runner, opts: DataplaneOptions, plan?: Plan): Promise<BackendName> {
  if (opts.backend && opts.backend !== "auto") return opts.backend;
  if (opts.flavor) return "iptables";
  // Settings.spec.backend, when the Plan says one.
  if (plan?.apply && plan.apply.backend !== "auto") return plan.apply.backend;
  const record = await loadRecord(runner);
  return record?.backend ?? (await hostDefault(runner));
}

/** Removes moat's objects from every backend and iptables flavour but the one given. */
async function removeOthers(runner: Runner, keep: { backend: BackendName; flavor?: Flavor }): Promise<string[]> {
  const removed: string[] = [];
  const tables = await existingTables(runner);
  for (const flavor of FLAVORS) {
    if (keep.backend === "iptables" && keep.flavor === flavor) continue;
    if (!tables[flavor].length) continue;
    const dp = iptablesDataplane(runner, flavor);
    if (await dp.present()) {
      await dp.removeChains();
      removed.push(`iptables ${flavor}`);
    }
  }
  if (keep.backend !== "iptables" && (await destroySets(runner)) > 0 && !removed.length) removed.push("ipsets");
  if (keep.backend !== "nftables" && (await nftPresent(runner))) {
    await nftablesDataplane(runner).reset();
    removed.push("nftables");
  }
  return removed;
}

/** Puts the Plan in force; idempotent, a no-op when it is there already. */
export async function applyPlan(runner: Runner, plan: Plan, opts: DataplaneOptions = {}): Promise<ApplyReport> {
  return locked(runner, opts, `moat apply --node ${plan.node}`, async () => {
    const timings = { kernel: 0 };
    return timed(timings, async () => {
      const backend = await resolveBackend(runner, opts, plan);
      const before = await loadRecord(runner);
      // The flavour moat wrote last time, unless told otherwise: detecting it reads every table.
      const dp = await open(runner, backend, opts.flavor ?? (before?.backend === "iptables" && backend === "iptables" ? before.flavor : undefined));
      const { report, record } = await dp.apply(plan, before?.backend === backend ? before : undefined, opts);
      if (report.changed || record !== before) await saveRecord(runner, record);
      // Other copies can only exist after a switch (or with no record of an earlier apply): look then.
      const same = before && before.backend === backend && before.flavor === dp.flavor;
      const removedOther = same ? [] : await removeOthers(runner, { backend, ...(dp.flavor ? { flavor: dp.flavor } : {}) });
      const revoke = opts.revokeEstablished ?? plan.apply?.revokeEstablished ?? true;
      const revoked = revoke && report.rulesChanged ? await revokeDenied(runner, plan) : 0;
      return { ...report, changed: report.changed || removedOther.length > 0, removedOther, revoked, timings };
    }).then((r) => ({ ...r, timings: { render: round(r.renderMs), kernel: round(r.timings.kernel - r.renderMs) } }));
  });
}

/** Removes moat's objects from every backend (both iptables, ipsets, nftables), and nothing else. */
export async function resetDataplane(runner: Runner, opts: DataplaneOptions = {}): Promise<ResetReport> {
  return locked(runner, opts, "moat reset", async () => {
    const total = { chains: 0, sets: 0 };
    const tables = await existingTables(runner);
    for (const flavor of FLAVORS) if (tables[flavor].length) total.chains += await iptablesDataplane(runner, flavor).removeChains();
    total.sets += await destroySets(runner);
    if (await nftPresent(runner)) {
      const r = await nftablesDataplane(runner).reset();
      total.chains += r.chains;
      total.sets += r.sets;
    } else await ensureAllowRules(runner, false);
    await clearRecord(runner);
    return total;
  });
}

/** What the kernel holds against what was applied: `agrees` only when they are the same. */
export async function readStatus(runner: Runner, opts: DataplaneOptions = {}): Promise<DataplaneStatus> {
  const record = await loadRecord(runner);
  const backend = opts.backend && opts.backend !== "auto" ? opts.backend : (record?.backend ?? (opts.flavor ? "iptables" : (await nftPresent(runner)) ? "nftables" : await hostDefault(runner)));
  const dp = await open(runner, backend, opts.flavor ?? (backend === "iptables" ? record?.flavor : undefined));
  const kernel = await dp.read(record?.generation);
  const differences = compareWithRecord(record?.backend === backend && (!record.flavor || record.flavor === dp.flavor) ? record : undefined, kernel);
  if (record?.backend === "nftables" && backend === "nftables") differences.push(...(await nftAllowRuleDifferences(runner, record)));
  if (record && (record.backend !== backend || (record.flavor && dp.flavor && record.flavor !== dp.flavor)))
    differences.unshift({ kind: "other-backend", detail: `applied with ${record.backend}${record.flavor ? ` (${record.flavor})` : ""}, status read ${backend}${dp.flavor ? ` (${dp.flavor})` : ""}` });
  // What status found, the next apply must repair rather than trust the record (nftables trusts it).
  if (differences.length && record && !record.drift && record.backend === backend) await saveRecord(runner, { ...record, drift: true }).catch(() => undefined);
  const hooks = Object.values(kernel.hooks);
  const first = hooks.find((h) => h.count > 0);
  return {
    backend,
    ...(dp.flavor ? { flavor: dp.flavor } : {}),
    applied: !!first,
    ...(first?.generation ? { generation: first.generation } : {}),
    ...(first?.rulesHash ? { rulesHash: first.rulesHash } : {}),
    hookAtTop: hooks.length > 0 && hooks.every((h) => h.position === 0),
    chains: kernel.chains.size,
    rules: [...kernel.chains.values()].reduce((n, c) => n + c.length, 0),
    sets: kernel.sets.size,
    setMembers: [...kernel.sets.values()].reduce((n, s) => n + s.length, 0),
    agrees: differences.length === 0,
    differences,
    ...(record ? { record: { rulesHash: record.rulesHash, planHash: record.planHash, appliedAt: record.appliedAt, backend: record.backend, node: record.node } } : {}),
  };
}

/**
 * The agent's cheap check (every ~0.5 s): is the record's hook present and first, and are its sets
 * there? Reads no chain contents and no set members; `readStatus` is the full comparison.
 */
export async function verifyApplied(runner: Runner): Promise<{ ok: boolean; differences: Difference[] }> {
  const record = await loadRecord(runner);
  if (!record) return { ok: false, differences: [{ kind: "not-applied", detail: "no record of an apply in this network namespace" }] };
  const dp = await open(runner, record.backend, record.flavor);
  const differences = await dp.verify(record);
  return { ok: differences.length === 0, differences };
}
