// Which iptables the host uses. Two iptables (legacy and nf_tables) can coexist on one host and rules
// written to the wrong one are silently ignored by the other's users, so moat writes where the host's
// existing rules already are, and otherwise where plain `iptables` points (the kube-proxy approach).
// Looking must not create anything: iptables-legacy-save loads the legacy filter table into the namespace
// (after which every iptables-nft-save warns about it), so legacy is read only when
// /proc/net/ip{,6}_tables_names already lists a table, and nf_tables only when `nft list tables` shows one.
import type { Family } from "../render/index.js";
import type { Runner } from "./runner.js";
import { DataplaneUnavailable, runChecked, unavailable } from "./tools.js";

export type Flavor = "legacy" | "nft";
export const FLAVORS: readonly Flavor[] = ["legacy", "nft"];

export interface Tools {
  flavor: Flavor;
  save: (family: Family) => string;
  restore: (family: Family) => string;
}

export function toolsFor(flavor: Flavor): Tools {
  return {
    flavor,
    save: (family) => `${family === 4 ? "iptables" : "ip6tables"}-${flavor}-save`,
    restore: (family) => `${family === 4 ? "iptables" : "ip6tables"}-${flavor}-restore`,
  };
}

/** The iptables filter tables that exist now, per flavour and family, found without creating any. */
export async function existingTables(runner: Runner): Promise<Record<Flavor, Family[]>> {
  const legacy: Family[] = [];
  for (const family of [4, 6] as const) {
    const r = await runner.run("cat", [`/proc/net/${family === 4 ? "ip" : "ip6"}_tables_names`]);
    if (r.code === 0 && r.stdout.split("\n").includes("filter")) legacy.push(family);
  }
  // iptables-nft-save reads only iptables' own tables (and creates none); `nft list tables` would make
  // nft 1.0 fetch the whole ruleset, seconds when moat's own table is large.
  const nft: Family[] = [];
  for (const family of [4, 6] as const) {
    const s = await runner.run(toolsFor("nft").save(family), ["-t", "filter"]);
    const u = unavailable(toolsFor("nft").save(family), s);
    if (u && u.message.startsWith("needs root")) throw u;
    if (s.code === 0 && s.stdout.includes("*filter")) nft.push(family);
  }
  return { legacy, nft };
}

async function save(runner: Runner, flavor: Flavor, family: Family): Promise<string> {
  const r = await runChecked(runner, toolsFor(flavor).save(family), ["-t", "filter"]);
  return r.code === 0 ? r.stdout : "";
}

const HOOK = / -j moat-[ab]-fwd$/m;

export async function detectFlavor(runner: Runner, tables?: Record<Flavor, Family[]>): Promise<Flavor> {
  const present = tables ?? (await existingTables(runner));
  // Where moat already is wins: otherwise a later firewall filling the other one would make moat write a
  // second copy there, and leave the first (still hooked) in force.
  const texts: Record<Flavor, string[]> = { legacy: [], nft: [] };
  for (const flavor of FLAVORS) for (const family of present[flavor]) texts[flavor].push(await save(runner, flavor, family));
  for (const flavor of ["nft", "legacy"] as const) if (texts[flavor].some((t) => HOOK.test(t))) return flavor;
  const count = (f: Flavor) => texts[f].reduce((n, t) => n + t.split("\n").filter((l) => l.startsWith("-A ")).length, 0);
  const [legacy, nft] = [count("legacy"), count("nft")];
  if (legacy !== nft) return legacy > nft ? "legacy" : "nft";
  const version = await runner.run("iptables", ["--version"]);
  const u = unavailable("iptables", version);
  if (u && u.message.startsWith("needs root")) throw u;
  if (version.code !== 0) throw new DataplaneUnavailable(`iptables is not installed or does not run: ${version.stderr.trim()}; install the Debian package iptables (apt-get install iptables)`);
  return version.stdout.includes("legacy") ? "legacy" : "nft";
}
