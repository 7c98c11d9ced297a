// Dispatch by verdict map: where the Plan's stage chain ("eg", "in") tries each policy in turn (a set
// lookup per policy), nft looks the workload's address up once in a map to a chain of its own group of
// policies, which jumps to exactly the policy chains that select it, in order. A new connection then
// pays one lookup plus the policies that apply to it, however many policies there are.
import { createHash } from "node:crypto";
import type { Chain, PlanRule, PlanSet } from "../../compile/index.js";
import type { Family } from "../names.js";
import { bare, isHost } from "./members.js";

export interface Dispatch {
  /** Plan chain name ("eg") to the map that replaces its leading policy jumps. */
  stage: string;
  dir: "saddr" | "daddr";
  /** How many leading rules of the stage chain the map replaces. */
  replaced: number;
  /** Group chain name to the Plan chains it jumps to, in order, and the verdict after them. */
  groups: Map<string, { jumps: string[]; after: PlanRule }>;
  /** Per family: "address : goto group" elements. */
  elements: Record<Family, string[]>;
}


/** The leading rules of a stage chain that are plain "address in selector set: jump policy chain". */
export function policyJumps(chain: Chain): PlanRule[] {
  const out: PlanRule[] = [];
  for (const r of chain.rules) {
    const m = r.match;
    const only = Object.keys(m).length === 1 && m.sets?.length === 1 && !m.sets[0]!.negate && m.sets[0]!.dirs.length === 1;
    if (!only || r.verdict.kind !== "jump") break;
    out.push(r);
  }
  return out;
}

/** The Plan's sets by name, made once per rendering (finding one by a walk per chain was 5 s at 100k). */
export type SetsByName = ReadonlyMap<string, PlanSet>;

/** The group chain of a stage whose addresses jump to exactly these policy chains, in this order. */
export const groupChainName = (stage: string, list: readonly string[]) => `${stage}-g${createHash("sha256").update(list.join("\0")).digest("hex").slice(0, 10)}`;

export function dispatchOf(chain: Chain, sets: SetsByName): Dispatch | undefined {
  const stage = chain.name;
  const jumps = policyJumps(chain);
  // The rule after them denies what some policy selects and none decided: the group chains end in it.
  const after = chain.rules[jumps.length];
  if (!jumps.length || !after || after.verdict.kind !== "goto") return undefined;
  const dir = jumps[0]!.match.sets![0]!.dirs[0] === "src" ? "saddr" : "daddr";
  if (jumps.some((j) => (j.match.sets![0]!.dirs[0] === "src" ? "saddr" : "daddr") !== dir)) return undefined;
  const groups = new Map<string, { jumps: string[]; after: PlanRule }>();
  const elements: Record<Family, string[]> = { 4: [], 6: [] };
  // Many addresses share a group: hash each distinct list once (10k hashes were a quarter of a render).
  const names = new Map<string, string>();
  const groupName = (list: string[]) => {
    const key = list.join("\0");
    let name = names.get(key);
    if (!name) names.set(key, (name = groupChainName(stage, list)));
    return name;
  };
  for (const family of [4, 6] as const) {
    const byAddress = new Map<string, string[]>();
    for (const j of jumps) {
      const set = sets.get(j.match.sets![0]!.set);
      if (!set) return undefined;
      for (const m of family === 4 ? set.v4 : set.v6) {
        // Only host members can be map keys without overlaps; anything else keeps the rules.
        if (!isHost(m.cidr)) return undefined;
        let list = byAddress.get(m.cidr);
        if (!list) byAddress.set(m.cidr, (list = []));
        list.push((j.verdict as { chain: string }).chain);
      }
    }
    for (const [addr, list] of [...byAddress].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const name = groupName(list);
      if (!groups.has(name)) groups.set(name, { jumps: list, after });
      elements[family].push(`${bare(addr)} : goto moat-${name}`);
    }
  }
  return { stage, dir, replaced: jumps.length, groups, elements };
}
