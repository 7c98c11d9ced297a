// What moat has in the kernel now, read back from iptables-save and ipset save.
import { CHAIN_PREFIX, type Family, type Generation } from "../render/index.js";
import type { Tools } from "./flavor.js";
import { runOk, type Runner } from "./runner.js";

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

const MOAT_JUMP = /-j (moat-([ab])-fwd)$/;

export function parseSave(text: string): FamilyRules {
  const chains = new Map<string, string[]>();
  const forward: string[] = [];
  let inFilter = false;
  for (const line of text.split("\n")) {
    if (line.startsWith("*")) inFilter = line === "*filter";
    if (!inFilter) continue;
    const decl = /^:(\S+) /.exec(line);
    if (decl && decl[1]!.startsWith(CHAIN_PREFIX)) chains.set(decl[1]!, []);
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
    const m = MOAT_JUMP.exec(line);
    if (m) return m[2] as Generation;
  }
  return undefined;
}

export const isMoatJump = (line: string) => / -j moat-[ab]-fwd$/.test(line);

/** ipset prints host prefixes bare; moat writes them with /32 and /128. Compare on one form. */
export const normalizeMember = (m: string) => m.replace(/^([^,/]+)\/(32|128)(?=,|$)/, (all, addr: string, p: string) => (p === (addr.includes(":") ? "128" : "32") ? addr : all));

export function parseIpsetSave(text: string): Map<string, KernelSet> {
  const sets = new Map<string, KernelSet>();
  for (const line of text.split("\n")) {
    const [verb, name, ...rest] = line.trim().split(/\s+/);
    if (!name?.startsWith(CHAIN_PREFIX)) continue;
    if (verb === "create") sets.set(name, { name, create: rest.join(" "), members: [] });
    if (verb === "add") sets.get(name)?.members.push(normalizeMember(rest[0]!));
  }
  return sets;
}

export async function readState(runner: Runner, tools: Tools): Promise<KernelState> {
  const rules = {} as Record<Family, FamilyRules>;
  for (const family of [4, 6] as const) rules[family] = parseSave((await runOk(runner, tools.save(family), ["-t", "filter"])).stdout);
  const sets = parseIpsetSave((await runOk(runner, "ipset", ["save"])).stdout);
  return { rules, sets };
}
