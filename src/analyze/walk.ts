// Walks one new packet through the analyzed rules as netfilter does: rules in order, -j pushes a frame,
// -g replaces the current one, RETURN or the end of a user chain pops it, and the end (or a RETURN)
// of the built-in chain applies its policy.
import { rangeHas } from "./address.js";
import type { AnalyzedPacket } from "./packet.js";
import { setHasPacket } from "./sets.js";
import type { AnalyzedRule, AnalyzedRuleset, AnalyzedSet, Condition, SourceLoc } from "./types.js";

export interface RulesStep {
  chain: string;
  rule: AnalyzedRule;
}

export interface RulesWalk {
  /** ACCEPT, DROP, REJECT, or the name of another terminal target. */
  verdict: string;
  allowed: boolean;
  /** The rule that decided; undefined when a chain policy did. */
  rule?: AnalyzedRule;
  /** The built-in chain whose policy decided. */
  policyOf?: string;
  policyLoc?: SourceLoc;
  /** Every rule that matched on the way, in order (jumps, gotos, non-terminal targets, the deciding rule). */
  path: RulesStep[];
  /** Things moat could not model exactly and what it assumed. */
  notes: string[];
}

/** Modules moat does not model that a new connection's first packet passes anyway. */
const ASSUMED_MATCH = new Set(["limit", "hashlimit", "comment", "pkttype", "statistic", "time", "quota", "connbytes", "length", "ttl", "hl", "tos", "dscp", "ecn", "helper"]);
const NEW_TCP_FLAGS = new Set(["SYN"]);
const ECHO: Record<number, string[]> = { 4: ["echo-request", "8", "8/0", "any", "ping"], 6: ["echo-request", "128", "128/0", "any", "ping"] };

const nameMatches = (pattern: string, name: string | undefined) =>
  name !== undefined && (pattern.endsWith("+") ? name.startsWith(pattern.slice(0, -1)) : pattern === name);

export function conditionMatchesPacket(c: Condition, p: AnalyzedPacket, sets: ReadonlyMap<string, AnalyzedSet>, notes?: string[]): boolean {
  const hit = (() => {
    switch (c.kind) {
      case "addr":
        return rangeHas(c.range, c.dir === "src" ? p.src : p.dst);
      case "iface":
        return c.name === "+" || nameMatches(c.name, c.dir === "in" ? p.inIface : p.outIface);
      case "physdev":
        return nameMatches(c.name, c.dir === "in" ? p.physIn : p.physOut);
      case "physdev-flag":
        return c.flag === "is-in" ? p.physIn !== undefined : c.flag === "is-out" ? p.physOut !== undefined : p.physOut !== undefined && p.physIn !== undefined;
      case "proto":
        return p.protocol === c.proto;
      case "port": {
        const ports = c.dir === "dst" ? [p.dport] : c.dir === "src" ? [p.sport] : [p.sport, p.dport];
        return ports.some((port) => port !== undefined && c.ranges.some((r) => r.start <= port && port <= r.end));
      }
      case "ctstate":
        return c.states.includes(p.ctstate);
      case "set":
        return setHasPacket(sets, c.name, c.dirs, p, c.returnNomatch);
      case "mark":
        return ((p.mark ?? 0) & c.mask) >>> 0 === c.value >>> 0;
      case "icmp-type":
        return p.protocol.includes("icmp") && (ECHO[p.src.family]!.includes(c.type.toLowerCase()) ? (p.icmpType ?? "echo-request") === "echo-request" : c.type === p.icmpType);
      case "tcp-flags": {
        if (p.protocol !== "tcp") return false;
        return c.mask.every((f) => NEW_TCP_FLAGS.has(f) === c.set.includes(f));
      }
      case "other": {
        const assumed = ASSUMED_MATCH.has(c.module);
        notes?.push(`-m ${c.module} ${c.text} is not modelled; assumed to ${assumed ? "match" : "not match"}`);
        return assumed;
      }
    }
  })();
  if (c.kind === "other") return hit;
  return c.negate ? !hit : hit;
}

export function ruleMatchesPacket(rule: AnalyzedRule, p: AnalyzedPacket, sets: ReadonlyMap<string, AnalyzedSet>, notes?: string[]): boolean {
  if (rule.family !== p.src.family) return false;
  // A rule whose target goes on (LOG, NFLOG behind -m limit) decides nothing: what it assumes is no news.
  const quiet = rule.target.kind === "extension" && !rule.target.terminal;
  return rule.conditions.every((c) => conditionMatchesPacket(c, p, sets, quiet ? undefined : notes));
}

export function walkRuleset(rs: AnalyzedRuleset, packet: AnalyzedPacket, start: { table?: string; chain?: string } = {}): RulesWalk {
  const tableName = start.table ?? "filter";
  const entry = start.chain ?? "FORWARD";
  const table = rs.tables[packet.src.family].get(tableName);
  const p: AnalyzedPacket = { ...packet };
  const path: RulesStep[] = [];
  const notes: string[] = [];
  const builtin = table?.chains.get(entry);
  const policy = (): RulesWalk => {
    const verdict = builtin?.policy ?? "ACCEPT";
    return { verdict, allowed: verdict === "ACCEPT", policyOf: entry, ...(builtin?.policyLoc ? { policyLoc: builtin.policyLoc } : {}), path, notes: [...new Set(notes)] };
  };
  if (!table || !builtin) return policy();
  const stack: { chain: string; next: number }[] = [{ chain: entry, next: 0 }];
  for (let steps = 0; stack.length; steps++) {
    if (steps > 1_000_000) throw new Error(`the rules loop: chain ${stack[stack.length - 1]!.chain} is reached again and again`);
    const frame = stack[stack.length - 1]!;
    const chain = table.chains.get(frame.chain);
    const rule = chain?.rules[frame.next];
    if (!rule) {
      stack.pop();
      continue;
    }
    frame.next++;
    if (!ruleMatchesPacket(rule, p, rs.sets, notes)) continue;
    path.push({ chain: chain!.name, rule });
    const t = rule.target;
    const done = (verdict: string): RulesWalk => ({ verdict, allowed: verdict === "ACCEPT", rule, path, notes: [...new Set(notes)] });
    switch (t.kind) {
      case "accept":
        return done("ACCEPT");
      case "drop":
        return done("DROP");
      case "reject":
        return done("REJECT");
      case "return":
        stack.pop();
        break;
      case "jump":
        if (stack.length > 64) throw new Error(`the rules nest deeper than the kernel allows at ${rule.loc.file}:${rule.loc.line}`);
        stack.push({ chain: t.chain, next: 0 });
        break;
      case "goto":
        stack[stack.length - 1] = { chain: t.chain, next: 0 };
        break;
      case "mark":
        p.mark = ((((p.mark ?? 0) & ~t.mask) >>> 0) ^ t.value) >>> 0;
        break;
      case "extension":
        if (t.terminal) return done(t.name);
        break;
      case "none":
        break;
    }
  }
  return policy();
}
