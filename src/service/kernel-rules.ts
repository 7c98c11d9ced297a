// This host's iptables rules and ipsets as moat's analyzer reads them: what verify, explain, status
// --rules and the agent's rule counters walk and count.
import { analyze, iptablesJudge, nftJudge, nftPolicyRuleCounters, policyRuleCounters, type AnalyzedRuleset, type KernelJudge, type PolicyRuleCounters } from "../analyze/index.js";
import { existingTables, loadRecord, moatTables, nftPresent, runOk, toolsFor, type Runner } from "../dataplane/index.js";
import type { Model } from "../model/index.js";
import { nftTable } from "../render/index.js";
import { Unavailable } from "../errors/index.js";

export interface KernelRules {
  ruleset: AnalyzedRuleset;
  /** The tools read, e.g. "iptables-nft-save -c -t filter". */
  sources: string[];
}

/**
 * The filter table of both families (with counters) and every ipset, read back through the runner from
 * whichever iptables holds moat's jump, and analyzed.
 */
export async function readKernelRules(runner: Runner): Promise<KernelRules> {
  const tables = await existingTables(runner);
  const candidates = (["nft", "legacy"] as const).filter((f) => tables[f].length);
  const texts: { flavor: string; family: 4 | 6; text: string; file: string }[] = [];
  let chosen: (typeof candidates)[number] | undefined;
  for (const flavor of candidates) {
    const read: typeof texts = [];
    for (const family of tables[flavor]) {
      const cmd = toolsFor(flavor).save(family);
      read.push({ flavor, family, file: `${cmd} -c -t filter`, text: (await runOk(runner, cmd, ["-c", "-t", "filter"])).stdout });
    }
    if (!chosen || read.some((r) => / -j moat-/.test(r.text))) {
      chosen = flavor;
      texts.splice(0, texts.length, ...read);
      if (read.some((r) => / -j moat-/.test(r.text))) break;
    }
  }
  if (!texts.some((t) => / -j moat-/.test(t.text)) && (await nftPresent(runner))) {
    throw new Unavailable("moat's rules on this host are in nftables, whose rules carry no counters: explain and status --rules read iptables rules (verify reads both)");
  }
  const ipset = (await runOk(runner, "ipset", ["save"])).stdout;
  const inputs = [{ file: "ipset save", text: ipset }, ...texts.map((t) => ({ file: t.file, text: t.text, family: t.family }))];
  return { ruleset: analyze(inputs), sources: inputs.map((i) => i.file) };
}

/** Packets and bytes each policy rule's kernel rules matched: moat's nft table where it has one, else iptables. */
export async function kernelRuleCounters(runner: Runner): Promise<PolicyRuleCounters[]> {
  const nft = await readKernelNft(runner);
  if (nft) return nftPolicyRuleCounters(nft.listing);
  return policyRuleCounters((await readKernelRules(runner)).ruleset);
}

/** moat's nft tables of the live generation as `nft list table` prints them (inet, then bridge if any). */
export async function readKernelNft(runner: Runner): Promise<{ listing: string; source: string } | undefined> {
  const tables = await moatTables(runner);
  if (!tables.length) return undefined;
  const recorded = (await loadRecord(runner))?.generation;
  const inet = tables.filter((t) => t.family === "inet");
  const live = inet.find((t) => recorded && t.name === nftTable(recorded)) ?? inet[0];
  if (!live) return undefined;
  const chosen = tables.filter((t) => t.name === live.name);
  const texts = [];
  for (const t of chosen) texts.push((await runOk(runner, "nft", ["list", "table", t.family, t.name])).stdout);
  return { listing: texts.join(""), source: chosen.map((t) => `nft list table ${t.family} ${t.name}`).join(" + ") };
}

/** How this host's kernel judges flows: its iptables rules when moat's jump is there, else its nft tables. */
export async function kernelJudge(runner: Runner, model: Model, node: string): Promise<{ judge: KernelJudge; sources: string[] }> {
  // readKernelNft finds moat's tables itself (undefined when there are none): no presence check first.
  const nft = await readKernelNft(runner);
  if (nft) return { judge: nftJudge(model, node, nft.listing, nft.source), sources: [nft.source] };
  const kernel = await readKernelRules(runner);
  return { judge: iptablesJudge(model, node, kernel.ruleset), sources: kernel.sources };
}
