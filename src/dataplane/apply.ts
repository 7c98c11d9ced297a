// Puts a Plan into the kernel of the network namespace the runner runs in.
//
// Goals: coexist (only chains and sets named moat-* are ever written, plus one jump at FORWARD 1),
// atomic (the new rules replace the old in one iptables-restore transaction per family), idempotent
// (what is already there is not written again), and fail safe (any failure leaves the rules in force).
// Order of work:
//   1. read the kernel back; if it already holds exactly this Plan, stop.
//   2. ipset restore: create the sets that are new, and fill a temporary twin of every set whose
//      members changed. Set names are hashes of their meaning, so a changed set means the same thing
//      to the old rules as to the new ones, and swapping its members in early is safe.
//   3. ipset restore: swap each twin in, destroy the twins.
//   4. iptables-restore --noflush per family: the new generation of chains (a <-> b), the new jump
//      inserted at FORWARD 1 and the old jump deleted, in one transaction.
//   5. remove the old generation's chains, then the sets no rule names any more.
import { createHash } from "node:crypto";
import type { Plan } from "../compile/index.js";
import {
  chainName,
  hookRule,
  ipsetCreateLine,
  renderChainRules,
  renderSets,
  type Family,
  type Generation,
  type RenderedSet,
} from "../render/index.js";
import { detectFlavor, toolsFor, type Flavor, type Tools } from "./flavor.js";
import { CommandFailed, runOk, type Runner } from "./runner.js";
import { currentGeneration, isMoatJump, normalizeMember, readState, type FamilyRules, type KernelState } from "./state.js";
import { ensureBridgeNetfilter } from "./bridge.js";

export interface ApplyOptions {
  flavor?: Flavor;
}

export interface ApplyReport {
  changed: boolean;
  /** False when only set members changed (a workload came or went): no rule was rewritten. */
  rulesChanged: boolean;
  rulesHash: string;
  generation: Generation;
  flavor: Flavor;
  planHash: string;
  rules: number;
  sets: number;
  setsCreated: number;
  setsUpdated: number;
  setsRemoved: number;
  notes: string[];
}

const FAMILIES = [4, 6] as const;
/** -w: wait for the xtables lock that firewalld, Docker or kube-proxy may hold, instead of failing. */
export const RESTORE_ARGS = ["-w", "10", "--noflush"];

const hashOf = (value: unknown) => createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 12);

/** A hash of the whole Plan, set members included. */
export const planHash = (plan: Plan) => hashOf({ chains: plan.chains, sets: plan.sets, hooks: plan.hooks });

/**
 * A hash of the rules alone, carried in the FORWARD jump's comment: a workload that comes or goes changes
 * set members but not this, so it is applied as set updates without touching a rule.
 */
export const rulesHash = (plan: Plan) => hashOf({ chains: plan.chains, sets: plan.sets.map((s) => [s.name, s.kind]), hooks: plan.hooks });

function desiredChains(plan: Plan, family: Family, generation: Generation): Map<string, string[]> {
  const chains = new Map<string, string[]>(plan.chains.map((c) => [chainName(generation, c.name), []]));
  for (const line of renderChainRules(plan, family, generation)) chains.get(line.split(" ")[1]!)!.push(line);
  return chains;
}

function sameChains(a: Map<string, string[]>, b: Map<string, string[]>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, rules] of a) {
    const other = b.get(name);
    if (!other || other.join("\n") !== rules.join("\n")) return false;
  }
  return true;
}

function setChanged(want: RenderedSet, have: KernelState["sets"] extends Map<string, infer S> ? S : never): boolean {
  const a = [...want.members].map(normalizeMember).sort();
  const b = [...have.members].sort();
  return a.join("\n") !== b.join("\n");
}

/** The generation in force when the kernel holds exactly these rules with the hook at FORWARD 1. */
function rulesApplied(state: KernelState, plan: Plan, hash: string): Generation | undefined {
  const generation = currentGeneration(state.rules[4]);
  if (!generation) return undefined;
  for (const family of FAMILIES) {
    const rules = state.rules[family];
    if (rules.forward[0] !== hookRule(plan, generation, hash) || rules.forward.filter(isMoatJump).length !== 1) return undefined;
    if (!sameChains(rules.chains, desiredChains(plan, family, generation))) return undefined;
  }
  return generation;
}

/** iptables-restore and ipset name the line they refused; show it, not just its number. */
function withFailedLine(e: unknown): never {
  if (e instanceof CommandFailed && e.input) {
    const n = /line:? (\d+)/i.exec(e.result.stderr)?.[1];
    const line = n ? e.input.split("\n")[Number(n) - 1] : undefined;
    if (line !== undefined) e.message += `\n  refused input line ${n}: ${line}`;
  }
  throw e;
}

export async function applyPlan(runner: Runner, plan: Plan, opts: ApplyOptions = {}): Promise<ApplyReport> {
  const flavor = opts.flavor ?? (await detectFlavor(runner));
  const tools = toolsFor(flavor);
  const notes: string[] = [];
  if (plan.bridged) notes.push(...(await ensureBridgeNetfilter(runner)));
  const hash = rulesHash(plan);
  const sets = renderSets(plan);
  const rules = plan.chains.reduce((n, c) => n + c.rules.length, 0);
  const state = await readState(runner, tools);
  const report = { flavor, planHash: planHash(plan), rulesHash: hash, rules, sets: sets.length, notes };

  const created = sets.filter((s) => !state.sets.has(s.name));
  const updated = sets.filter((s) => state.sets.has(s.name) && setChanged(s, state.sets.get(s.name)!));
  const wanted = new Set(sets.map((s) => s.name));
  // A temporary set left by a failed run is reused (and destroyed) by writeSets; destroying it again would fail.
  const stale = [...state.sets.keys()].filter((n) => !wanted.has(n) && !updated.some((s) => tempName(s.name) === n));
  const counts = { setsCreated: created.length, setsUpdated: updated.length, setsRemoved: stale.length };

  let generation = rulesApplied(state, plan, hash);
  const rulesChanged = !generation;
  if (!rulesChanged && !created.length && !updated.length && !stale.length) return { ...report, ...counts, changed: false, rulesChanged, generation: generation! };

  await writeSets(runner, created, updated);
  if (!generation) {
    const old = currentGeneration(state.rules[4]) ?? currentGeneration(state.rules[6]);
    generation = old === "a" ? "b" : "a";
    for (const family of FAMILIES) await swapRules(runner, tools, plan, family, generation, hash, state.rules[family]);
    // The chains read at the start are all there is besides the new generation: reading the kernel back
    // again would cost seconds on a large rule set.
    await removeChains(runner, tools, generation, state.rules);
  }
  if (stale.length) await runOk(runner, "ipset", ["restore"], { input: stale.map((n) => `destroy ${n}`).join("\n") + "\n" }).catch(withFailedLine);
  return { ...report, ...counts, changed: true, rulesChanged, generation };
}

const tempName = (name: string) => `${name}t`;

async function writeSets(runner: Runner, created: RenderedSet[], updated: RenderedSet[]): Promise<void> {
  const fill: string[] = [];
  for (const s of created) fill.push(ipsetCreateLine(s), ...s.members.map((m) => `add ${s.name} ${m}`));
  for (const s of updated) {
    const t = tempName(s.name);
    fill.push(`${ipsetCreateLine(s, t)} -exist`, `flush ${t}`, ...s.members.map((m) => `add ${t} ${m}`));
  }
  if (fill.length) {
    try {
      await runOk(runner, "ipset", ["restore"], { input: fill.join("\n") + "\n" });
    } catch (e) {
      // Nothing references the sets just made; take them away again so a retry starts clean.
      const undo = [...created.map((s) => s.name), ...updated.map((s) => tempName(s.name))];
      for (const name of undo) await runner.run("ipset", ["destroy", name]);
      withFailedLine(e);
    }
  }
  if (updated.length) {
    const swap = updated.flatMap((s) => [`swap ${tempName(s.name)} ${s.name}`, `destroy ${tempName(s.name)}`]);
    await runOk(runner, "ipset", ["restore"], { input: swap.join("\n") + "\n" }).catch(withFailedLine);
  }
}

async function swapRules(runner: Runner, tools: Tools, plan: Plan, family: Family, generation: Generation, hash: string, state: FamilyRules): Promise<void> {
  const lines = ["*filter"];
  // Declaring a chain in --noflush mode also empties it, so leftovers of a crashed run do not linger.
  for (const c of plan.chains) lines.push(`:${chainName(generation, c.name)} - [0:0]`);
  lines.push(...renderChainRules(plan, family, generation));
  lines.push(hookRule(plan, generation, hash).replace(/^-A FORWARD /, "-I FORWARD 1 "));
  for (const jump of state.forward.filter(isMoatJump)) lines.push(jump.replace(/^-A /, "-D "));
  lines.push("COMMIT", "");
  await runOk(runner, tools.restore(family), RESTORE_ARGS, { input: lines.join("\n") }).catch(withFailedLine);
}

/**
 * Flushes and deletes every moat chain that is not of the given generation (all of them when undefined),
 * with any FORWARD jump to them. `known` is what the kernel held, when the caller has just read it.
 */
export async function removeChains(runner: Runner, tools: Tools, keep?: Generation, known?: Record<Family, FamilyRules>): Promise<void> {
  const current = known ?? (await readState(runner, tools)).rules;
  for (const family of FAMILIES) {
    const state = current[family];
    const stale = [...state.chains.keys()].filter((c) => !keep || !c.startsWith(`moat-${keep}-`));
    // After a swap the old jumps are gone already; only a reset still finds jumps here.
    const jumps = known ? [] : state.forward.filter((l) => stale.some((c) => l.endsWith(` -j ${c}`)));
    if (!stale.length && !jumps.length) continue;
    const lines = ["*filter", ...jumps.map((j) => j.replace(/^-A /, "-D ")), ...stale.map((c) => `-F ${c}`), ...stale.map((c) => `-X ${c}`), "COMMIT", ""];
    await runOk(runner, tools.restore(family), RESTORE_ARGS, { input: lines.join("\n") }).catch(withFailedLine);
  }
}
