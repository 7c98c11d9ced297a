// What moat has in the kernel now, read back from iptables-save and ipset save. Only moat's own objects
// count: chains and sets of moat's exact name forms, and FORWARD jumps to a moat entry chain that carry
// moat's comment. A foreign "moat-mine" chain, a jump to it or an ipset "moat-custom" is someone else's.
import { generationOf, isHookComment, isMoatChain, isMoatSet, rulesHashOf, type Family, type Generation } from "../../render/index.js";
import { iptables } from "../../render/index.js";
import type { Tools } from "../flavor.js";
import type { Runner } from "../runner.js";
import { runTool } from "../tools.js";
import type { HookView, ReadBack } from "../types.js";

export interface FamilyRules {
  /** moat's chains as declared, and their rule lines in order. */
  chains: Map<string, string[]>;
  /** FORWARD's rule lines in order. */
  forward: string[];
}

export interface KernelSet {
  name: string;
  create: string;
  members: string[];
}

export interface KernelState {
  rules: Record<Family, FamilyRules>;
  sets: Map<string, KernelSet>;
}

export const normalizeMember = iptables.normalizeMember;

const HOOK = /^-A FORWARD -m comment --comment (?:"([^"]*)"|(\S+)) -j (moat-[ab]-fwd)$/;

/** A FORWARD rule that is moat's hook: moat's comment, a jump to a generation's entry chain, nothing else. */
export function isMoatJump(line: string): boolean {
  const m = HOOK.exec(line);
  return !!m && isHookComment(m[1] ?? m[2]!);
}

function hookParts(line: string): { generation: Generation; rulesHash?: string } | undefined {
  const m = HOOK.exec(line);
  if (!m || !isHookComment(m[1] ?? m[2]!)) return undefined;
  const hash = rulesHashOf(m[1] ?? m[2]!);
  return { generation: generationOf(m[3]!)!, ...(hash ? { rulesHash: hash } : {}) };
}

export function parseSave(text: string): FamilyRules {
  const chains = new Map<string, string[]>();
  const forward: string[] = [];
  let inFilter = false;
  for (const line of text.split("\n")) {
    if (line.startsWith("*")) inFilter = line === "*filter";
    if (!inFilter) continue;
    const decl = /^:(\S+) /.exec(line);
    if (decl && isMoatChain(decl[1]!)) chains.set(decl[1]!, []);
    const rule = /^-A (\S+) /.exec(line);
    if (!rule) continue;
    if (rule[1] === "FORWARD") forward.push(line);
    else chains.get(rule[1]!)?.push(line);
  }
  return { chains, forward };
}

/** The generation the FORWARD hook points at now, if any. */
export function currentGeneration(rules: FamilyRules): Generation | undefined {
  for (const line of rules.forward) {
    const h = hookParts(line);
    if (h) return h.generation;
  }
  return undefined;
}

export function parseIpsetSave(text: string): Map<string, KernelSet> {
  const sets = new Map<string, KernelSet>();
  for (const line of text.split("\n")) {
    const [verb, name, ...rest] = line.trim().split(/\s+/);
    if (!name || !isMoatSet(name)) continue;
    if (verb === "create") sets.set(name, { name, create: rest.join(" "), members: [] });
    if (verb === "add") sets.get(name)?.members.push(normalizeMember(rest[0]!));
  }
  return sets;
}

export async function readRules(runner: Runner, tools: Tools): Promise<Record<Family, FamilyRules>> {
  const rules = {} as Record<Family, FamilyRules>;
  for (const family of [4, 6] as const) rules[family] = parseSave((await runTool(runner, tools.save(family), ["-t", "filter"])).stdout);
  return rules;
}

export const readSets = async (runner: Runner) => parseIpsetSave((await runTool(runner, "ipset", ["save"])).stdout);

export async function readState(runner: Runner, tools: Tools): Promise<KernelState> {
  return { rules: await readRules(runner, tools), sets: await readSets(runner) };
}

export function hookView(rules: FamilyRules): HookView {
  const position = rules.forward.findIndex(isMoatJump);
  const first = position >= 0 ? hookParts(rules.forward[position]!) : undefined;
  return { position, count: rules.forward.filter(isMoatJump).length, ...(first ?? {}) };
}

/** The neutral view: chains keyed "4 moat-a-fwd", sets by name with members sorted. */
export function toReadBack(state: KernelState): ReadBack {
  const chains = new Map<string, string[]>();
  for (const family of [4, 6] as const) for (const [name, lines] of state.rules[family].chains) chains.set(`${family} ${name}`, lines);
  return {
    backend: "iptables",
    hooks: { "4": hookView(state.rules[4]), "6": hookView(state.rules[6]) },
    chains,
    sets: new Map([...state.sets].map(([name, s]) => [name, [...s.members].sort()])),
  };
}
