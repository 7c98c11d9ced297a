import { detectFlavor, toolsFor, type Flavor } from "./flavor.js";
import type { Runner } from "./runner.js";
import { currentGeneration, isMoatJump, readState } from "./state.js";

export interface DataplaneStatus {
  flavor: Flavor;
  applied: boolean;
  generation?: string;
  /** The hash of the rules in force, from the FORWARD jump's comment. */
  rulesHash?: string;
  hookAtTop: boolean;
  chains: number;
  rules: number;
  sets: number;
  setMembers: number;
}

export async function readStatus(runner: Runner, flavor?: Flavor): Promise<DataplaneStatus> {
  const f = flavor ?? (await detectFlavor(runner));
  const state = await readState(runner, toolsFor(f));
  const v4 = state.rules[4];
  const generation = currentGeneration(v4);
  const hash = v4.forward.find(isMoatJump)?.match(/moat plan ([0-9a-f]+)/)?.[1];
  const families = [state.rules[4], state.rules[6]];
  return {
    flavor: f,
    applied: generation !== undefined,
    ...(generation ? { generation } : {}),
    ...(hash ? { rulesHash: hash } : {}),
    hookAtTop: families.every((r) => r.forward.length > 0 && isMoatJump(r.forward[0]!)),
    chains: families.reduce((n, r) => n + r.chains.size, 0),
    rules: families.reduce((n, r) => n + [...r.chains.values()].reduce((m, c) => m + c.length, 0), 0),
    sets: state.sets.size,
    setMembers: [...state.sets.values()].reduce((n, s) => n + s.members.length, 0),
  };
}
