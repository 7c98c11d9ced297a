// What each policy rule's kernel rules have matched: moat's rules carry "POLICY STAGE rule N ACTION" in
// their comment, so summing the read-back counters by that comment, over both families, gives it.
import type { AnalyzedRuleset } from "./types.js";

export interface PolicyRuleCounters {
  policy: string;
  stage: "ingress" | "egress";
  rule: number;
  action: string;
  /** Kernel rules that carry it (both families). */
  kernelRules: number;
  packets: bigint;
  bytes: bigint;
}

const COMMENT = /^(\S+) (ingress|egress) rule (\d+) (Allow|Deny|Pass|Log)$/;

export function policyRuleCounters(rs: AnalyzedRuleset, table = "filter"): PolicyRuleCounters[] {
  const sums = new Map<string, PolicyRuleCounters>();
  for (const family of [4, 6] as const) {
    const t = rs.tables[family].get(table);
    for (const chain of t?.chains.values() ?? []) {
      for (const r of chain.rules) {
        if (r.comment) count(sums, r.comment, r.counters?.packets ?? 0n, r.counters?.bytes ?? 0n);
      }
    }
  }
  return sorted(sums);
}

/** Adds one kernel rule's figures to its policy rule's sum, when its comment names a policy rule. */
function count(sums: Map<string, PolicyRuleCounters>, comment: string, packets: bigint, bytes: bigint): void {
  const m = COMMENT.exec(comment);
  if (!m) return;
  const key = `${m[1]} ${m[2]} ${m[3]}`;
  let s = sums.get(key);
  if (!s) sums.set(key, (s = { policy: m[1]!, stage: m[2] as "ingress" | "egress", rule: Number(m[3]), action: m[4]!, kernelRules: 0, packets: 0n, bytes: 0n }));
  s.kernelRules++;
  s.packets += packets;
  s.bytes += bytes;
}

const sorted = (sums: Map<string, PolicyRuleCounters>) => [...sums.values()].sort((a, b) => a.policy.localeCompare(b.policy) || a.stage.localeCompare(b.stage) || a.rule - b.rule);

const NFT_RULE = /\bcounter packets (\d+) bytes (\d+) .*comment "([^"]*)"$/;

/** The same sums from moat's nft table as `nft list table` prints it (a counter on each policy rule). */
export function nftPolicyRuleCounters(listing: string): PolicyRuleCounters[] {
  const sums = new Map<string, PolicyRuleCounters>();
  for (const line of listing.split("\n")) {
    const rule = NFT_RULE.exec(line.trim());
    if (rule) count(sums, rule[3]!, BigInt(rule[1]!), BigInt(rule[2]!));
  }
  return sorted(sums);
}
