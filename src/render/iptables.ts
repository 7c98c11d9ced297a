// The Plan as text for ipset and iptables-restore (IPv4) / ip6tables-restore (IPv6). Prints only; the
// dataplane decides what to send when. Rules are printed in the form iptables-save prints them back, so
// that reading the kernel back and comparing is a plain text comparison.
import type { Plan, PlanRule, PlanSet, SetMatch, Verdict } from "../compile/index.js";

export type Family = 4 | 6;
export type Generation = "a" | "b";

export const CHAIN_PREFIX = "moat-";
export const chainName = (generation: Generation, name: string) => `${CHAIN_PREFIX}${generation}-${name}`;
export const familySetName = (base: string, family: Family) => `${base}-${family}`;

const ALLOWED = /[A-Za-z0-9 ._:/=,!&|(){}<>@+-]/;

/**
 * The one door from user text to rule text: an allow-list, so quotes, backslashes, newlines and other
 * control characters can never reach iptables-restore; anything else becomes "_".
 */
export function escapeText(text: string, max: number): string {
  let out = "";
  for (const ch of text) out += ALLOWED.test(ch) ? ch : "_";
  out = out.replace(/\s+/g, " ").trim();
  return out.length > max ? out.slice(0, max) : out;
}

// iptables-save (xtables_save_string) leaves only [A-Za-z0-9_-] bare and quotes the rest; print the same,
// or a rule never compares equal to what the kernel reads back.
const quote = (text: string) => (/^[A-Za-z0-9_-]+$/.test(text) ? text : `"${text}"`);

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
      return `-j LOG --log-prefix ${quote(`${escapeText(v.prefix, 28)} `)}`;
  }
}

export function renderRule(chain: string, rule: PlanRule, family: Family, generation: Generation): string {
  const parts = [`-A ${chainName(generation, chain)}`];
  const m = rule.match;
  if (m.srcAddr) parts.push(`-s ${m.srcAddr}`);
  if (m.inInterface) parts.push(`-i ${escapeText(m.inInterface, 15)}`);
  if (m.protocol) parts.push(`-p ${m.protocol === "icmp" && family === 6 ? "ipv6-icmp" : m.protocol}`);
  if (m.icmpv6Type !== undefined) parts.push(`-m icmp6 --icmpv6-type ${m.icmpv6Type}`);
  if (m.physdevIn) parts.push(`-m physdev --physdev-in ${escapeText(m.physdevIn, 15)}`);
  for (const s of m.sets ?? []) parts.push(setClause(s, family));
  if (m.dports) parts.push(`-m multiport --dports ${m.dports.map((r) => (r.start === r.end ? `${r.start}` : `${r.start}:${r.end}`)).join(",")}`);
  if (m.ctstate) parts.push(`-m conntrack --ctstate ${m.ctstate.join(",")}`);
  parts.push(`-m comment --comment ${quote(escapeText(rule.comment, 250))}`);
  parts.push(verdictClause(rule.verdict, family, generation));
  return parts.join(" ");
}

/** The rule lines of every chain of the Plan, in order, for one family. */
export function renderChainRules(plan: Plan, family: Family, generation: Generation): string[] {
  return plan.chains.flatMap((c) => c.rules.filter((r) => !r.match.family || r.match.family === family).map((r) => renderRule(c.name, r, family, generation)));
}

/** The jump from the built-in chain; its comment carries a hash of the Plan, for `moat status`. */
export function hookRule(plan: Plan, generation: Generation, planHash: string): string {
  const hook = plan.hooks[0]!;
  return `-A ${hook.builtin} -m comment --comment ${quote(escapeText(`moat plan ${planHash}`, 64))} -j ${chainName(generation, hook.chain)}`;
}

/** A complete iptables-restore --noflush input that installs one generation and its hook at FORWARD 1. */
export function renderInstall(plan: Plan, family: Family, generation: Generation, planHash: string): string {
  const lines = ["*filter"];
  for (const c of plan.chains) lines.push(`:${chainName(generation, c.name)} - [0:0]`);
  lines.push(...renderChainRules(plan, family, generation));
  lines.push(hookRule(plan, generation, planHash).replace(/^-A FORWARD /, "-I FORWARD 1 "));
  lines.push("COMMIT", "");
  return lines.join("\n");
}

const SET_TYPES: Record<PlanSet["kind"], string> = { net: "hash:net", "net-iface": "hash:net,iface", "net-port": "hash:net,port" };

export interface RenderedSet {
  name: string;
  type: string;
  family: Family;
  members: string[];
}

export function renderSets(plan: Plan): RenderedSet[] {
  return plan.sets.flatMap((s) =>
    ([4, 6] as const).map((family) => ({ name: familySetName(s.name, family), type: SET_TYPES[s.kind], family, members: family === 4 ? s.v4 : s.v6 })),
  );
}

export function ipsetCreateLine(s: RenderedSet, name = s.name): string {
  return `create ${name} ${s.type} family ${s.family === 4 ? "inet" : "inet6"} hashsize 1024 maxelem ${Math.max(65536, 2 ** Math.ceil(Math.log2(s.members.length + 1)))}`;
}

/** `ipset restore` input that creates every set of the Plan with its members. */
export function renderIpsetRestore(sets: RenderedSet[]): string {
  return sets.flatMap((s) => [ipsetCreateLine(s), ...s.members.map((m) => `add ${s.name} ${m}`)]).join("\n") + "\n";
}
