// Which iptables the host uses. Two backends (legacy and nf_tables) can coexist on one host and rules
// written to the wrong one are silently ignored by the other's users, so moat writes where the host's
// existing rules already are, and otherwise where plain `iptables` points (the kube-proxy approach).
import type { Runner } from "./runner.js";

export type Flavor = "legacy" | "nft";

export interface Tools {
  flavor: Flavor;
  save: (family: 4 | 6) => string;
  restore: (family: 4 | 6) => string;
}

export function toolsFor(flavor: Flavor): Tools {
  return {
    flavor,
    save: (family) => `${family === 4 ? "iptables" : "ip6tables"}-${flavor}-save`,
    restore: (family) => `${family === 4 ? "iptables" : "ip6tables"}-${flavor}-restore`,
  };
}

async function ruleCount(runner: Runner, flavor: Flavor): Promise<number> {
  let count = 0;
  for (const family of [4, 6] as const) {
    const r = await runner.run(toolsFor(flavor).save(family), []);
    if (r.code === 0) count += r.stdout.split("\n").filter((l) => l.startsWith("-A ")).length;
  }
  return count;
}

async function hasMoatHook(runner: Runner, flavor: Flavor): Promise<boolean> {
  const r = await runner.run(toolsFor(flavor).save(4), ["-t", "filter"]);
  return r.code === 0 && / -j moat-[ab]-fwd$/m.test(r.stdout);
}

export async function detectFlavor(runner: Runner): Promise<Flavor> {
  // Where moat already is wins: otherwise a later firewall filling the other backend would make moat
  // write a second copy there, and leave the first (still hooked) in force.
  for (const flavor of ["nft", "legacy"] as const) if (await hasMoatHook(runner, flavor)) return flavor;
  const [legacy, nft] = [await ruleCount(runner, "legacy"), await ruleCount(runner, "nft")];
  if (legacy !== nft) return legacy > nft ? "legacy" : "nft";
  const version = await runner.run("iptables", ["--version"]);
  if (version.code !== 0) throw new Error(`iptables is not installed or does not run: ${version.stderr.trim()}`);
  return version.stdout.includes("legacy") ? "legacy" : "nft";
}
