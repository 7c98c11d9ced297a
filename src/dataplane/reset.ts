import { removeChains } from "./apply.js";
import { detectFlavor, toolsFor, type Flavor } from "./flavor.js";
import { runOk, type Runner } from "./runner.js";
import { readState } from "./state.js";

/** Removes everything moat created (its jump, its chains, its sets) and nothing else. */
export async function resetDataplane(runner: Runner, flavor?: Flavor): Promise<{ chains: number; sets: number }> {
  const tools = toolsFor(flavor ?? (await detectFlavor(runner)));
  const before = await readState(runner, tools);
  const chains = before.rules[4].chains.size + before.rules[6].chains.size;
  await removeChains(runner, tools);
  const sets = [...before.sets.keys()];
  if (sets.length) await runOk(runner, "ipset", ["restore"], { input: sets.map((n) => `destroy ${n}`).join("\n") + "\n" });
  return { chains, sets: sets.length };
}
