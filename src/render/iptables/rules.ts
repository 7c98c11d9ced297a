// Plan rules as iptables-restore lines, printed in the form iptables-save prints them back, so that
// reading the kernel back and comparing is a plain text comparison.
import { IDENTITY_MASK, LOG_PREFIX_MAX, type Match, type Plan, type PlanRule, type SetMatch, type Verdict } from "../../compile/index.js";
import { ALLOWED_MARK, chainName, familySetName, hookComment, type Family, type Generation } from "../names.js";
import { escapeText, quote } from "./escape.js";

/** One multiport match holds 15 ports; a range takes two of them. */
const MULTIPORT_SLOTS = 15;

function chunkPorts(ranges: NonNullable<Match["dports"]>): NonNullable<Match["dports"]>[] {
  const chunks: NonNullable<Match["dports"]>[] = [];
  let current: NonNullable<Match["dports"]> = [];
  let used = 0;
  for (const r of ranges) {
    const cost = r.start === r.end ? 1 : 2;
    if (used + cost > MULTIPORT_SLOTS) {
      chunks.push(current);
      current = [];
      used = 0;
    }
    current.push(r);
    used += cost;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

function setClause(m: SetMatch, family: Family): string {
  return `-m set ${m.negate ? "! " : ""}--match-set ${familySetName(m.set, family)} ${m.dirs.join(",")}`;
}

function verdictClause(v: Verdict, family: Family, generation: Generation): string {
  switch (v.kind) {
    case "accept":
      return "-j ACCEPT";
    case "drop":
      return "-j DROP";
    case "return":
      return "-j RETURN";
    case "reject":
      if (v.with === "tcp-reset") return "-j REJECT --reject-with tcp-reset";
      return family === 4 ? "-j REJECT --reject-with icmp-admin-prohibited" : "-j REJECT --reject-with icmp6-adm-prohibited";
    case "jump":
      return `-j ${chainName(generation, v.chain)}`;
    case "goto":
      return `-g ${chainName(generation, v.chain)}`;
    case "log":
      // As iptables-save prints it: the limit match's unit abbreviated, the prefix before the group.
      return `-m limit --limit ${v.rate.replace(/second$/, "sec").replace(/minute$/, "min")} --limit-burst ${v.burst} -j NFLOG --nflog-prefix ${quote(escapeText(v.prefix, LOG_PREFIX_MAX))} --nflog-group ${v.group}`;
    case "mark":
      return `-j MARK --set-xmark 0x${v.identity.toString(16)}/0x${IDENTITY_MASK.toString(16)}`;
  }
}

const markClause = (value: number, negate: boolean) => `-m mark ${negate ? "! " : ""}--mark 0x${value.toString(16)}/0x${IDENTITY_MASK.toString(16)}`;

/** One rule line; its port ranges must fit one multiport match (renderRuleLines splits them). */
export function renderRule(chain: string, rule: PlanRule, family: Family, generation: Generation): string {
  const parts = [`-A ${chainName(generation, chain)}`];
  const m = rule.match;
  if (m.srcAddr) parts.push(`-s ${m.srcAddr}`);
  if (m.inInterface) parts.push(`-i ${escapeText(m.inInterface, 15)}`);
  if (m.protocol) parts.push(`-p ${m.protocol === "icmp" && family === 6 ? "ipv6-icmp" : m.protocol}`);
  if (m.icmpv6Type !== undefined) parts.push(`-m icmp6 --icmpv6-type ${m.icmpv6Type}`);
  if (m.physdevIn) parts.push(`-m physdev --physdev-in ${escapeText(m.physdevIn, 15)}`);
  // "None of these identities" is one mark match per value; "one of them" is a rule per value (renderRuleLines).
  if (m.identity) for (const v of m.identity.values) parts.push(markClause(v, !!m.identity.negate));
  for (const s of m.sets ?? []) parts.push(setClause(s, family));
  if (m.dports) parts.push(`-m multiport --dports ${m.dports.map((r) => (r.start === r.end ? `${r.start}` : `${r.start}:${r.end}`)).join(",")}`);
  if (m.ctstate) parts.push(`-m conntrack --ctstate ${m.ctstate.join(",")}`);
  parts.push(`-m comment --comment ${quote(escapeText(rule.comment, 250))}`);
  parts.push(verdictClause(rule.verdict, family, generation));
  return parts.join(" ");
}

/** A rule as lines: one per multiport chunk of its ports. */
export function renderRuleLines(chain: string, rule: PlanRule, family: Family, generation: Generation): string[] {
  const id = rule.match.identity;
  if (id && !id.negate && id.values.length > 1) return id.values.flatMap((v) => renderRuleLines(chain, { ...rule, match: { ...rule.match, identity: { values: [v] } } }, family, generation));
  const dports = rule.match.dports;
  if (!dports) return [renderRule(chain, rule, family, generation)];
  return chunkPorts(dports).map((chunk) => renderRule(chain, { ...rule, match: { ...rule.match, dports: chunk } }, family, generation));
}

const ofFamily = (r: PlanRule, family: Family) => !r.match.family || r.match.family === family;

/*
 * allowAction Return: an allow sets ALLOWED_MARK and climbs back to FORWARD. iptables has no
 * "return to FORWARD" from a chain several jumps deep (a RETURN goes back one jump: from a policy chain
 * into the dispatch that called it, which would then try the next policy), so an allow marks the packet
 * and returns, and after every jump a marked packet returns again, up to FORWARD, whose later rules (the
 * host's firewall) then judge it.
 */
const ALLOWED = `0x${ALLOWED_MARK.toString(16)}/0x${ALLOWED_MARK.toString(16)}`;
const backToForward = (chain: string, generation: Generation) => `-A ${chainName(generation, chain)} -m mark --mark ${ALLOWED} -m comment --comment ${quote("allowed: back to FORWARD")} -j RETURN`;

/** One chain's rule lines for one family; with allowAction Return its allows mark and climb back. */
function chainLines(plan: Plan, c: Plan["chains"][number], family: Family, generation: Generation): string[] {
  const rules = c.rules.filter((r) => ofFamily(r, family));
  if (plan.hooks[0]?.allow !== "return") return rules.flatMap((r) => renderRuleLines(c.name, r, family, generation));
  const lines: string[] = [];
  // The bit is moat's own: a packet enters with it clear, whatever set it before.
  if (c.name === plan.hooks[0].chain) lines.push(`-A ${chainName(generation, c.name)} -m comment --comment ${quote("allowed: not yet")} -j MARK --set-xmark 0x0/0x${ALLOWED_MARK.toString(16)}`);
  for (const r of rules) {
    if (r.verdict.kind === "accept") {
      lines.push(...renderRuleLines(c.name, r, family, generation).map((l) => l.replace(/ -j ACCEPT$/, ` -j MARK --set-xmark ${ALLOWED}`)), backToForward(c.name, generation));
    } else {
      lines.push(...renderRuleLines(c.name, r, family, generation));
      if (r.verdict.kind === "jump") lines.push(backToForward(c.name, generation));
    }
  }
  return lines;
}

/** The rule lines of every chain of the Plan, in order, for one family. */
export function renderChainRules(plan: Plan, family: Family, generation: Generation): string[] {
  return plan.chains.flatMap((c) => chainLines(plan, c, family, generation));
}

/** Each chain's rule lines, keyed by the chain's full name (every chain present, empty ones too). */
export function renderChains(plan: Plan, family: Family, generation: Generation): Map<string, string[]> {
  return new Map(plan.chains.map((c) => [chainName(generation, c.name), chainLines(plan, c, family, generation)]));
}

/** The jump from FORWARD; its comment carries a hash of the rules, for `moat status`. */
export function hookRule(plan: Plan, generation: Generation, rulesHash: string): string {
  return `-A FORWARD -m comment --comment ${quote(escapeText(hookComment(rulesHash), 64))} -j ${chainName(generation, plan.hooks[0]!.chain)}`;
}

/** A complete iptables-restore --noflush input that installs one generation and its hook at FORWARD 1. */
export function renderInstall(plan: Plan, family: Family, generation: Generation, rulesHash: string): string {
  const lines = ["*filter"];
  for (const c of plan.chains) lines.push(`:${chainName(generation, c.name)} - [0:0]`);
  lines.push(...renderChainRules(plan, family, generation));
  lines.push(hookRule(plan, generation, rulesHash).replace(/^-A FORWARD /, "-I FORWARD 1 "));
  lines.push("COMMIT", "");
  return lines.join("\n");
}
