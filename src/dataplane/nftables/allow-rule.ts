// allowAction Accept on nftables. An nft accept ends only moat's own table's base chain: iptables'
// FORWARD (Docker's policy DROP and its rules, a hand-written REJECT catch-all) still judges the
// packet afterwards, where on iptables moat's ACCEPT at FORWARD 1 ends FORWARD. So moat's base chain
// marks what its rules let through (ALLOWED_MARK; the mark is cleared again for traffic that is not
// moat's), and one rule of moat's at the head of FORWARD, in each iptables filter table the host has
// (legacy and nf_tables, IPv4 and IPv6), accepts that mark. firewalld's own nft table cannot be
// reached this way (docs/design-changes.md). A table that does not exist is not created: nothing there
// judges after moat.
import { ALLOWED_MARK, NFT_ALLOW_COMMENT, type Family } from "../../render/index.js";
import { existingTables, FLAVORS, toolsFor, type Flavor } from "../flavor.js";
import type { Runner } from "../runner.js";
import { RESTORE_ARGS } from "../iptables/index.js";
import { runTool } from "../tools.js";
import type { Difference } from "../types.js";

const MARK = `0x${ALLOWED_MARK.toString(16)}/0x${ALLOWED_MARK.toString(16)}`;
/** As iptables-save prints it. */
const LINE = `-A FORWARD -m mark --mark ${MARK} -m comment --comment ${NFT_ALLOW_COMMENT} -j ACCEPT`;

/** "nft 4": the flavour and family of one iptables filter table. */
export type AllowPlace = `${Flavor} ${Family}`;

const toolsOf = (place: AllowPlace) => {
  const [flavor, family] = place.split(" ") as [Flavor, string];
  return { tools: toolsFor(flavor), family: Number(family) as Family };
};

/** FORWARD's rules as iptables-save prints them (its -S prints the same lines). */
async function forwardRules(runner: Runner, place: AllowPlace): Promise<string[]> {
  const { tools, family } = toolsOf(place);
  const r = await runTool(runner, tools.save(family), ["-t", "filter"]);
  return r.stdout.split("\n").filter((l) => l.startsWith("-A FORWARD "));
}

/** One --noflush transaction on FORWARD (rules of others untouched). */
async function restore(runner: Runner, place: AllowPlace, lines: string[]): Promise<void> {
  const { tools, family } = toolsOf(place);
  await runTool(runner, tools.restore(family), RESTORE_ARGS, { input: ["*filter", ...lines, "COMMIT", ""].join("\n") });
}

/** The filter tables that exist now. */
async function places(runner: Runner): Promise<AllowPlace[]> {
  const tables = await existingTables(runner);
  return FLAVORS.flatMap((f) => tables[f].map((family): AllowPlace => `${f} ${family}`));
}

/**
 * With `wanted`, moat's rule first in FORWARD of every filter table there is (put back there if it
 * moved, extra copies removed); without, removed from every one. Returns where it now is, and
 * whether anything was written.
 */
export async function ensureAllowRules(runner: Runner, wanted: boolean): Promise<{ places: AllowPlace[]; changed: boolean }> {
  const out: AllowPlace[] = [];
  let changed = false;
  for (const place of await places(runner)) {
    const rules = await forwardRules(runner, place);
    const ours = rules.filter((l) => l === LINE).length;
    if (wanted && ours === 1 && rules[0] === LINE) {
      out.push(place);
      continue;
    }
    if (!wanted && !ours) continue;
    changed = true;
    // Removed and put first in one transaction: no moment without it.
    await restore(runner, place, [...Array.from({ length: ours }, () => LINE.replace(/^-A /, "-D ")), ...(wanted ? [LINE.replace(/^-A FORWARD /, "-I FORWARD 1 ")] : [])]);
    if (wanted) out.push(place);
  }
  return { places: out, changed };
}

/** The agent's and status's check: moat's rule still in FORWARD wherever it was put (one save each). */
export async function allowRuleDifferences(runner: Runner, recorded: readonly AllowPlace[]): Promise<Difference[]> {
  // The saves at once: each is a process, and a new workload's apply waits for them.
  const read = await Promise.all(recorded.map(async (place) => ({ place, rules: await forwardRules(runner, place).catch((): string[] => []) })));
  const out: Difference[] = [];
  for (const { place, rules } of read) {
    const { tools, family } = toolsOf(place);
    const where = `${tools.save(family).replace(/-save$/, "")} FORWARD`;
    if (!rules.includes(LINE)) out.push({ kind: "hook-missing", name: where, detail: `moat's rule accepting what it allows is missing from ${where}: the host's rules there judge moat's allowed traffic` });
  }
  return out;
}
