// Pure: from what the kernel holds (read back) and a Plan, the steps that put the Plan in force, and the
// view the kernel should read back as afterwards. Nothing here runs anything.
import type { Plan } from "../../compile/index.js";
import { chainName, iptables, isMoatChain, tempSetName, type Family, type Generation } from "../../render/index.js";
import { currentGeneration, isMoatJump, normalizeMember, type FamilyRules, type KernelState } from "./read.js";
import type { ReadBack } from "../types.js";

export const FAMILIES = [4, 6] as const;

export interface IptablesSteps {
  /** Sets to create and fill. */
  create: iptables.RenderedSet[];
  /** Sets whose members change: filled through a twin and swapped in. */
  update: iptables.RenderedSet[];
  /** When the rules change: the generation installed, and per family the old moat hooks to delete. */
  swap?: { generation: Generation; oldHooks: Record<Family, string[]>; oldChains: Record<Family, string[]> };
  /** Sets no rule of the new Plan names, destroyed last. */
  destroy: string[];
}

function sameChains(a: Map<string, string[]>, b: Map<string, string[]>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, rules] of a) {
    const other = b.get(name);
    if (!other || other.join("\n") !== rules.join("\n")) return false;
  }
  return true;
}

/** The generation in force when the kernel holds exactly these rules with the hook first, alone. */
export function rulesInForce(state: KernelState, plan: Plan, rulesHash: string): Generation | undefined {
  const generation = currentGeneration(state.rules[4]);
  if (!generation) return undefined;
  for (const family of FAMILIES) {
    const rules = state.rules[family];
    if (rules.forward[0] !== iptables.hookRule(plan, generation, rulesHash) || rules.forward.filter(isMoatJump).length !== 1) return undefined;
    if (!sameChains(rules.chains, iptables.renderChains(plan, family, generation))) return undefined;
  }
  return generation;
}

const membersOf = (s: iptables.RenderedSet) => [...s.members].map(normalizeMember).sort();
const setChanged = (want: iptables.RenderedSet, have: string[]) => membersOf(want).join("\n") !== [...have].sort().join("\n");

export function diffIptables(state: KernelState, plan: Plan, rulesHash: string): { steps: IptablesSteps; generation: Generation; rulesChanged: boolean } {
  const sets = iptables.renderSets(plan);
  const create = sets.filter((s) => !state.sets.has(s.name));
  const update = sets.filter((s) => state.sets.has(s.name) && setChanged(s, state.sets.get(s.name)!.members));
  const wanted = new Set(sets.map((s) => s.name));
  // A twin left by a failed run is reused (and destroyed) by the update; destroying it again would fail.
  const destroy = [...state.sets.keys()].filter((n) => !wanted.has(n) && !update.some((s) => tempSetName(s.name) === n));
  const inForce = rulesInForce(state, plan, rulesHash);
  if (inForce) return { steps: { create, update, destroy }, generation: inForce, rulesChanged: false };
  const old = currentGeneration(state.rules[4]) ?? currentGeneration(state.rules[6]);
  const generation = old === "a" ? "b" : "a";
  const oldHooks = {} as Record<Family, string[]>;
  const oldChains = {} as Record<Family, string[]>;
  for (const family of FAMILIES) {
    const r: FamilyRules = state.rules[family];
    oldHooks[family] = r.forward.filter(isMoatJump);
    const keep = new Set(plan.chains.map((c) => chainName(generation, c.name)));
    oldChains[family] = [...r.chains.keys()].filter((c) => isMoatChain(c) && !keep.has(c));
  }
  return { steps: { create, update, destroy, swap: { generation, oldHooks, oldChains } }, generation, rulesChanged: true };
}

export const isNoop = (s: IptablesSteps) => !s.swap && !s.create.length && !s.update.length && !s.destroy.length;

/** What the kernel reads back as once the Plan is in force as this generation. */
export function expectedReadBack(plan: Plan, generation: Generation, rulesHash: string): ReadBack {
  const chains = new Map<string, string[]>();
  for (const family of FAMILIES) for (const [name, lines] of iptables.renderChains(plan, family, generation)) chains.set(`${family} ${name}`, lines);
  const hook = { position: 0, count: 1, generation, rulesHash };
  return { backend: "iptables", hooks: { "4": hook, "6": hook }, chains, sets: new Map(iptables.renderSets(plan).map((s) => [s.name, membersOf(s)])) };
}
