// Static checks of an analyzed ruleset, each finding at the file line that made the rule or member.
import { rangeContains, rangesOverlap } from "./address.js";
import { conditionText } from "./rule.js";
import type { AddrRange, AnalyzedRule, AnalyzedRuleset, AnalyzedSet, Condition, Finding, PortRange } from "./types.js";

/** moat's own sets: their members come and go with workloads, so an empty one is by design. */
const OWN_SET = /^moat-/;
const STATEFUL = new Set(["limit", "hashlimit", "recent", "statistic", "quota", "connlimit", "time", "connbytes", "nth", "random"]);
const CT_UNIVERSE = ["INVALID", "NEW", "ESTABLISHED", "RELATED", "UNTRACKED"];

const isTerminal = (r: AnalyzedRule) => {
  const t = r.target;
  return t.kind === "accept" || t.kind === "drop" || t.kind === "reject" || t.kind === "return" || t.kind === "goto" || (t.kind === "extension" && t.terminal);
};

const nameMatches = (pattern: string, name: string) => (pattern.endsWith("+") ? name.startsWith(pattern.slice(0, -1)) : pattern === name);
/** Every name the inner pattern matches, the outer one matches too. */
const patternCovers = (outer: string, inner: string) =>
  outer.endsWith("+") ? (inner.endsWith("+") ? inner.slice(0, -1).startsWith(outer.slice(0, -1)) : inner.startsWith(outer.slice(0, -1))) : !inner.endsWith("+") && outer === inner;

function complement(ranges: PortRange[]): PortRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const out: PortRange[] = [];
  let next = 0;
  for (const r of sorted) {
    if (r.start > next) out.push({ start: next, end: r.start - 1 });
    next = Math.max(next, r.end + 1);
  }
  if (next <= 65535) out.push({ start: next, end: 65535 });
  return out;
}
const positivePorts = (c: Extract<Condition, { kind: "port" }>) => (c.negate ? complement(c.ranges) : c.ranges);
const portsCover = (outer: PortRange[], inner: PortRange[]) => inner.every((i) => complement(outer).every((gap) => i.end < gap.start || i.start > gap.end));
const positiveStates = (c: Extract<Condition, { kind: "ctstate" }>) => (c.negate ? CT_UNIVERSE.filter((s) => !c.states.includes(s)) : c.states);

/** Address members of a one-dimension address set (list:set flattened); undefined when it is not one. */
function addressMembers(sets: ReadonlyMap<string, AnalyzedSet>, name: string, depth = 0): { range: AddrRange; nomatch: boolean }[] | undefined {
  const set = sets.get(name);
  if (!set || depth > 8) return undefined;
  if (set.type === "list:set") {
    const out: { range: AddrRange; nomatch: boolean }[] = [];
    for (const m of set.members) {
      const inner = m.elements[0]?.kind === "set" ? addressMembers(sets, m.elements[0].name, depth + 1) : undefined;
      if (!inner) return undefined;
      out.push(...inner);
    }
    return out;
  }
  if (set.dims.length !== 1 || set.dims[0] !== "addr") return undefined;
  return set.members.map((m) => ({ range: (m.elements[0] as { range: AddrRange }).range, nomatch: m.nomatch }));
}

function setCoversRange(sets: ReadonlyMap<string, AnalyzedSet>, name: string, r: AddrRange): boolean {
  const members = addressMembers(sets, name);
  if (!members) return false;
  if (members.some((m) => m.nomatch && rangesOverlap(m.range, r))) return false;
  return members.some((m) => !m.nomatch && rangeContains(m.range, r));
}

/** Does condition `e` of the earlier rule hold for every packet the later rule (conditions `later`) matches? */
function implied(e: Condition, later: Condition[], sets: ReadonlyMap<string, AnalyzedSet>): boolean {
  switch (e.kind) {
    case "addr":
      return later.some((l) => {
        if (l.kind === "addr" && l.dir === e.dir) {
          if (!e.negate) return !l.negate && rangeContains(e.range, l.range);
          return l.negate ? rangeContains(l.range, e.range) : !rangesOverlap(l.range, e.range);
        }
        return false;
      });
    case "iface":
      return later.some((l) => {
        if (l.kind !== "iface" || l.dir !== e.dir) return false;
        if (!e.negate) return !l.negate && patternCovers(e.name, l.name);
        return l.negate ? patternCovers(l.name, e.name) : !l.name.endsWith("+") && !nameMatches(e.name, l.name);
      });
    case "proto":
      return later.some((l) => l.kind === "proto" && (e.negate ? (l.negate ? l.proto === e.proto : l.proto !== e.proto) : !l.negate && l.proto === e.proto));
    case "port":
      return later.some((l) => l.kind === "port" && l.dir === e.dir && portsCover(positivePorts(e), positivePorts(l)));
    case "ctstate": {
      if (e.states.some((s) => !CT_UNIVERSE.includes(s))) return later.some((l) => l.kind === "ctstate" && conditionText(l) === conditionText(e));
      const outer = positiveStates(e);
      return later.some((l) => l.kind === "ctstate" && !l.states.some((s) => !CT_UNIVERSE.includes(s)) && positiveStates(l).every((s) => outer.includes(s)));
    }
    case "set":
      return later.some((l) => {
        if (l.kind === "set" && conditionText(l) === conditionText(e)) return true;
        if (e.negate || e.returnNomatch) return false;
        if (l.kind === "addr" && !l.negate && e.dirs.length >= 1 && l.dir === e.dirs[0]) return setCoversRange(sets, e.name, l.range);
        if (l.kind === "set" && !l.negate && !l.returnNomatch && l.dirs[0] === e.dirs[0]) {
          const inner = addressMembers(sets, l.name);
          return !!inner && inner.length > 0 && inner.every((m) => !m.nomatch && setCoversRange(sets, e.name, m.range));
        }
        return false;
      });
    case "other":
      return !STATEFUL.has(e.module) && later.some((l) => l.kind === "other" && l.module === e.module && l.text === e.text);
    default:
      return later.some((l) => conditionText(l) === conditionText(e));
  }
}

export function ruleCovers(earlier: AnalyzedRule, later: AnalyzedRule, sets: ReadonlyMap<string, AnalyzedSet>): boolean {
  return earlier.family === later.family && earlier.conditions.every((c) => implied(c, later.conditions, sets));
}

function setIsEmpty(sets: ReadonlyMap<string, AnalyzedSet>, name: string, depth = 0): boolean {
  const set = sets.get(name);
  if (!set || depth > 8) return false;
  if (set.type === "list:set") return set.members.every((m) => m.elements[0]?.kind === "set" && setIsEmpty(sets, m.elements[0].name, depth + 1));
  return set.members.length === 0;
}

/** Optimal string alignment distance, capped: is it at most one edit or one transposition? */
function withinOneEdit(a: string, b: string): boolean {
  if (a === b || Math.abs(a.length - b.length) > 1) return false;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]! <= 1;
}

/** eth0/eth1, veth-it1/veth-it2, wg1/wg10: numbered siblings, not typos. */
const numberedSiblings = (a: string, b: string) => a.replace(/\d+/g, "#") === b.replace(/\d+/g, "#");

function allRules(rs: AnalyzedRuleset): AnalyzedRule[][] {
  const out: AnalyzedRule[][] = [];
  for (const f of [4, 6] as const) for (const t of rs.tables[f].values()) for (const c of t.chains.values()) out.push(c.rules);
  return out;
}

/**
 * A condition of the rule that any rule it covers must repeat exactly: a single address, a single port,
 * an exact interface, a protocol ("" when it has none). Keeps the reachability check near linear.
 */
function anchorOf(r: AnalyzedRule): string {
  const pick = (kind: string) => r.conditions.find((c) => !("negate" in c && c.negate) && c.kind === kind && (c.kind !== "addr" || c.range.lo === c.range.hi) && (c.kind !== "port" || (c.ranges.length === 1 && c.ranges[0]!.start === c.ranges[0]!.end)) && (c.kind !== "iface" || !c.name.endsWith("+")));
  for (const kind of ["addr", "port", "iface", "proto"]) {
    const c = pick(kind);
    if (c) return anchorKey(c)!;
  }
  return "";
}

function anchorKey(c: Condition): string | undefined {
  if ("negate" in c && c.negate) return undefined;
  if (c.kind === "addr" && c.range.lo === c.range.hi) return `a:${c.dir}:${c.range.lo}`;
  if (c.kind === "port" && c.ranges.length === 1 && c.ranges[0]!.start === c.ranges[0]!.end) return `p:${c.dir}:${c.ranges[0]!.start}`;
  if (c.kind === "iface" && !c.name.endsWith("+")) return `i:${c.dir}:${c.name}`;
  if (c.kind === "proto") return `P:${c.proto}`;
  return undefined;
}

const offeredAnchors = (r: AnalyzedRule) => r.conditions.map(anchorKey).filter((k): k is string => k !== undefined);

export function lintRuleset(rs: AnalyzedRuleset): Finding[] {
  const findings: Finding[] = [...rs.findings];
  const add = (loc: { file: string; line: number }, code: Finding["code"], severity: Finding["severity"], message: string) =>
    findings.push({ file: loc.file, line: loc.line, code, severity, message });
  const where = (from: { file: string }, loc: { file: string; line: number }) => (from.file === loc.file ? `line ${loc.line}` : `${loc.file}:${loc.line}`);

  // unreachable-rule: only earlier terminal rules that share the later rule's anchor can cover it.
  for (const rules of allRules(rs)) {
    const reported = new Set<string>();
    const buckets = new Map<string, number[]>();
    for (const [j, later] of rules.entries()) {
      const key = `${later.loc.file}:${later.loc.line}`;
      if (!reported.has(key)) {
        const candidates = [...new Set(["", ...offeredAnchors(later)].flatMap((a) => buckets.get(a) ?? []))].sort((a, b) => a - b);
        for (const i of candidates) {
          const earlier = rules[i]!;
          if (earlier.loc.file === later.loc.file && earlier.loc.line === later.loc.line) continue;
          if (!ruleCovers(earlier, later, rs.sets)) continue;
          const unconditional = earlier.conditions.length === 0;
          add(later.loc, "unreachable-rule", "error", `this rule in ${later.chain} is never evaluated: the rule at ${where(later.loc, earlier.loc)} (${earlier.text}) comes first and ${unconditional ? "matches every packet" : "matches every packet this one matches"}`);
          reported.add(key);
          break;
        }
      }
      if (isTerminal(later)) {
        const a = anchorOf(later);
        if (!buckets.has(a)) buckets.set(a, []);
        buckets.get(a)!.push(j);
      }
    }
  }

  // empty-set
  for (const rules of allRules(rs)) {
    const seen = new Set<string>();
    for (const r of rules) {
      for (const c of r.conditions) {
        if (c.kind !== "set" || c.negate || OWN_SET.test(c.name) || !setIsEmpty(rs.sets, c.name)) continue;
        const key = `${r.loc.file}:${r.loc.line}:${c.name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const set = rs.sets.get(c.name)!;
        add(r.loc, "empty-set", "warning", `set ${c.name} (${set.type}, created at ${where(r.loc, set.loc)}) has no members at the end of the input, so this rule never matches`);
      }
    }
  }

  // unreferenced-chain
  for (const f of [4, 6] as const) {
    for (const t of rs.tables[f].values()) {
      const targets = new Set<string>();
      for (const c of t.chains.values()) for (const r of c.rules) if (r.target.kind === "jump" || r.target.kind === "goto") targets.add(r.target.chain);
      for (const c of t.chains.values()) {
        // An empty chain nothing jumps to changes nothing: kube-proxy's and kubelet's canary chains are such.
        if (c.builtin || targets.has(c.name) || !c.declaredAt || !c.rules.length) continue;
        add(c.declaredAt, "unreferenced-chain", "warning", `chain ${c.name} (table ${t.name}, IPv${f}) is never jumped or gone to, so its ${c.rules.length} rule${c.rules.length === 1 ? "" : "s"} never run`);
      }
    }
  }

  // similar-interface
  const uses = new Map<string, { file: string; line: number }[]>();
  const order: string[] = [];
  const use = (name: string, loc: { file: string; line: number }) => {
    if (name.endsWith("+") || !name) return;
    if (!uses.has(name)) {
      uses.set(name, []);
      order.push(name);
    }
    const list = uses.get(name)!;
    if (!list.some((l) => l.file === loc.file && l.line === loc.line)) list.push(loc);
  };
  for (const rules of allRules(rs)) for (const r of rules) for (const c of r.conditions) if (c.kind === "iface" || c.kind === "physdev") use(c.name, r.loc);
  for (const s of rs.sets.values()) for (const m of s.members) for (const e of m.elements) if (e.kind === "iface") use(e.name, m.loc);
  for (const [ia, a] of order.entries()) {
    for (const b of order.slice(ia + 1)) {
      if (!withinOneEdit(a, b) || numberedSiblings(a, b)) continue;
      const ua = uses.get(a)!;
      const ub = uses.get(b)!;
      const [rare, common] = ua.length < ub.length ? [a, b] : [b, a];
      for (const loc of uses.get(rare)!) {
        add(loc, "similar-interface", "warning", `interface ${rare} is one edit away from ${common} (used ${uses.get(common)!.length} time${uses.get(common)!.length === 1 ? "" : "s"}, first at ${where(loc, uses.get(common)![0]!)}); a typo?`);
      }
    }
  }

  const fileOrder = new Map<string, number>();
  for (const f of findings) if (!fileOrder.has(f.file)) fileOrder.set(f.file, fileOrder.size);
  return findings
    .map((f, i) => ({ f, i }))
    .sort((x, y) => fileOrder.get(x.f.file)! - fileOrder.get(y.f.file)! || x.f.line - y.f.line || x.i - y.i)
    .map((x) => x.f);
}

export const formatFinding = (f: Finding) => `${f.file}:${f.line}: ${f.severity}: ${f.message} [${f.code}]`;
