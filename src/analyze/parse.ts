// Reads iptables-save / ip6tables-save dumps (with or without [packets:bytes]), `iptables -S` output,
// `ipset save` output and shell scripts of iptables/ip6tables/ipset commands into one AnalyzedRuleset,
// replaying every command in order as the kernel would: -I at the head or a position, -A at the end,
// -N/-X/-F/-P/-D/-R/-E. Pure: texts in, model out. A line the kernel would refuse is left out and
// recorded (ruleset.refused); a line that is not any of these forms is an AnalyzeParseError.
import { memberKey, readSetCreate, readSetMember } from "./sets.js";
import { isKnownTarget, readRule } from "./rule.js";
import { logicalLines, tokenize } from "./tokens.js";
import { AnalyzeParseError, type AnalyzedChain, type AnalyzedFamily, type AnalyzedRule, type AnalyzedRuleset, type AnalyzedTable, type Counters, type Finding, type SourceLoc } from "./types.js";

export interface AnalyzeInput {
  file: string;
  text: string;
  /** The family of the rules in the file when the caller knows it (read back with ip6tables-save). */
  family?: AnalyzedFamily;
}

export const BUILTIN_CHAINS: Record<string, string[]> = {
  filter: ["INPUT", "FORWARD", "OUTPUT"],
  nat: ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
  mangle: ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
  raw: ["PREROUTING", "OUTPUT"],
  security: ["INPUT", "FORWARD", "OUTPUT"],
};

const IPTABLES = /^(?:.*\/)?(ip6?tables)(?:-legacy|-nft)?$/;
const IPSET = /^(?:.*\/)?ipset$/;
const IPSET_VERBS = new Set(["create", "n", "add", "a", "del", "d", "destroy", "x", "flush", "f", "swap", "w", "rename", "e", "list", "save", "test", "restore", "version", "help", "-exist", "-!"]);

type Mode = "script" | "dump";

class Builder {
  readonly rs: AnalyzedRuleset = { tables: { 4: new Map(), 6: new Map() }, sets: new Map(), findings: [], refused: [], setReferences: [], chainReferences: [] };
  /** Every chain ever created, by family/table/name: "never created" is about history, not the end state. */
  private created = new Set<string>();
  private createdSets = new Set<string>();

  finding(loc: SourceLoc, code: Finding["code"], severity: Finding["severity"], message: string) {
    this.rs.findings.push({ file: loc.file, line: loc.line, code, severity, message });
  }

  refuse(loc: SourceLoc, reason: string) {
    this.rs.refused.push({ loc, reason });
  }

  table(family: AnalyzedFamily, name: string): AnalyzedTable | undefined {
    const builtins = BUILTIN_CHAINS[name];
    if (!builtins) return undefined;
    let t = this.rs.tables[family].get(name);
    if (!t) {
      t = { name, family, chains: new Map(builtins.map((c) => [c, { name: c, builtin: true, policy: "ACCEPT", rules: [] } as AnalyzedChain])) };
      this.rs.tables[family].set(name, t);
    }
    return t;
  }

  createChain(t: AnalyzedTable, name: string, loc: SourceLoc): AnalyzedChain {
    const c: AnalyzedChain = { name, builtin: false, declaredAt: loc, rules: [] };
    t.chains.set(name, c);
    this.created.add(`${t.family}/${t.name}/${name}`);
    return c;
  }

  wasCreated(t: AnalyzedTable, name: string) {
    return this.created.has(`${t.family}/${t.name}/${name}`) || !!BUILTIN_CHAINS[t.name]?.includes(name);
  }

  /** Checks a rule's references as the kernel does when the rule goes in; false when it refuses the rule. */
  admit(t: AnalyzedTable, rule: AnalyzedRule, mode: Mode): boolean {
    const tgt = rule.target;
    if (tgt.kind === "jump" || tgt.kind === "goto") {
      if (BUILTIN_CHAINS[t.name]!.includes(tgt.chain)) {
        this.refuse(rule.loc, `${tgt.kind === "goto" ? "-g" : "-j"} ${tgt.chain}: a rule cannot jump to a built-in chain`);
        return false;
      }
      // In a restore file the chains of the table are declared together; only scripts run line by line.
      if (mode === "script" && !t.chains.has(tgt.chain)) {
        this.rs.chainReferences.push({ family: t.family, table: t.name, chain: tgt.chain, loc: rule.loc });
        this.refuse(rule.loc, `chain ${tgt.chain} does not exist (yet); the kernel refuses -${tgt.kind === "goto" ? "g" : "j"} ${tgt.chain}`);
        return false;
      }
    }
    for (const c of rule.conditions) {
      if (c.kind !== "set") continue;
      this.rs.setReferences.push({ name: c.name, loc: rule.loc, byRule: true });
      if (mode === "script" && !this.rs.sets.has(c.name)) {
        this.refuse(rule.loc, `set ${c.name} does not exist (yet); the kernel refuses --match-set ${c.name}`);
        return false;
      }
    }
    return true;
  }

  setWasCreated(name: string) {
    return this.createdSets.has(name);
  }

  // ---- ipset ----------------------------------------------------------------------------------------

  ipset(words: string[], loc: SourceLoc): void {
    let exist = false;
    const w = words.filter((x) => {
      if (x === "-exist" || x === "-!" || x === "--exist") return !(exist = true);
      return !/^-(q|quiet|o|output|n|name|t|terse|s|sorted|r|resolve)$/.test(x) || false;
    });
    const [verb, name, ...rest] = w;
    switch (verb) {
      case "create":
      case "n": {
        if (!name || !rest[0]) throw new AnalyzeParseError(loc.file, loc.line, "create NAME TYPE [options]");
        if (this.rs.sets.has(name)) {
          if (!exist) this.refuse(loc, `set ${name} already exists`);
          return;
        }
        const made = readSetCreate(name, rest[0], rest.slice(1), loc);
        if (!made.ok) {
          this.refuse(loc, made.message);
          this.finding(loc, "skipped-command", "info", `the kernel refuses this create: ${made.message}`);
          return;
        }
        this.rs.sets.set(name, made.set);
        this.createdSets.add(name);
        return;
      }
      case "add":
      case "a":
      case "del":
      case "d": {
        if (!name || !rest[0]) throw new AnalyzeParseError(loc.file, loc.line, `${verb} NAME ENTRY`);
        const set = this.rs.sets.get(name);
        if (!set) {
          this.rs.setReferences.push({ name, loc, byRule: false });
          this.refuse(loc, `set ${name} does not exist`);
          return;
        }
        const m = readSetMember(set, rest[0], rest.slice(1), loc);
        if (!m.ok) {
          this.refuse(loc, m.message);
          this.finding(loc, m.address ? "bad-address" : "skipped-command", m.address ? "error" : "info", `${m.address ? "" : "the kernel refuses this entry: "}${m.message}`);
          return;
        }
        for (const h of m.hostBits) this.finding(loc, "host-bits", "warning", h);
        if (set.type === "list:set" && !this.rs.sets.has(rest[0])) {
          this.rs.setReferences.push({ name: rest[0], loc, byRule: false });
          this.refuse(loc, `set ${rest[0]} does not exist`);
          return;
        }
        const key = memberKey(m.member);
        const at = set.members.findIndex((x) => memberKey(x) === key);
        if (verb === "add" || verb === "a") {
          if (at < 0) set.members.push(m.member);
          else if (!exist) this.refuse(loc, `${rest[0]} is already in set ${name}`);
        } else if (at >= 0) set.members.splice(at, 1);
        else if (!exist) this.refuse(loc, `${rest[0]} is not in set ${name}`);
        return;
      }
      case "flush":
      case "f":
        for (const s of name ? [this.rs.sets.get(name)] : [...this.rs.sets.values()]) if (s) s.members = [];
        return;
      case "destroy":
      case "x": {
        for (const n of name ? [name] : [...this.rs.sets.keys()]) {
          if (this.setInUse(n)) this.refuse(loc, `set ${n} is in use by a rule and cannot be destroyed`);
          else this.rs.sets.delete(n);
        }
        return;
      }
      case "swap":
      case "w": {
        const a = name ? this.rs.sets.get(name) : undefined;
        const b = rest[0] ? this.rs.sets.get(rest[0]) : undefined;
        if (!a || !b) return this.refuse(loc, `swap needs two existing sets`);
        this.rs.sets.set(a.name, { ...b, name: a.name });
        this.rs.sets.set(b.name, { ...a, name: b.name });
        return;
      }
      case "rename":
      case "e": {
        const a = name ? this.rs.sets.get(name) : undefined;
        if (!a || !rest[0]) return this.refuse(loc, "rename needs an existing set and a new name");
        this.rs.sets.delete(a.name);
        this.rs.sets.set(rest[0], { ...a, name: rest[0] });
        this.createdSets.add(rest[0]);
        return;
      }
      case "list":
      case "save":
      case "test":
      case "version":
      case "help":
      case "restore":
        return;
      default:
        throw new AnalyzeParseError(loc.file, loc.line, `an ipset command (create, add, del, flush, destroy, swap, rename) where ${JSON.stringify(verb ?? "")} is`);
    }
  }

  private setInUse(name: string): boolean {
    for (const f of [4, 6] as const)
      for (const t of this.rs.tables[f].values()) for (const c of t.chains.values()) for (const r of c.rules) if (r.conditions.some((x) => x.kind === "set" && x.name === name)) return true;
    for (const s of this.rs.sets.values()) if (s.type === "list:set" && s.members.some((m) => m.text === name)) return true;
    return false;
  }

  // ---- iptables ---------------------------------------------------------------------------------------

  /** One iptables command (words without the program name and -t), or one line of a restore file. */
  iptables(family: AnalyzedFamily, tableName: string, words: string[], loc: SourceLoc, mode: Mode, counters?: Counters): void {
    const t = this.table(family, tableName);
    if (!t) {
      this.refuse(loc, `${JSON.stringify(tableName)} is not a table (filter, nat, mangle, raw, security)`);
      this.finding(loc, "skipped-command", "info", `the kernel refuses this command: ${JSON.stringify(tableName)} is not a table`);
      return;
    }
    const [cmd, chainName, ...rest] = words;
    const long: Record<string, string> = { "--append": "-A", "--insert": "-I", "--delete": "-D", "--replace": "-R", "--new-chain": "-N", "--new": "-N", "--delete-chain": "-X", "--flush": "-F", "--policy": "-P", "--rename-chain": "-E", "--list": "-L", "--list-rules": "-S", "--zero": "-Z", "--check": "-C" };
    const c = long[cmd!] ?? cmd;
    const needChain = (what: string) => {
      if (!chainName) throw new AnalyzeParseError(loc.file, loc.line, `a chain name after ${cmd} (${what})`);
      return chainName;
    };
    const refuseCmd = (why: string) => {
      this.refuse(loc, why);
      this.finding(loc, "skipped-command", "info", `the kernel refuses this command: ${why}`);
    };
    switch (c) {
      case "-A":
      case "-I":
      case "-R":
      case "-D": {
        const name = needChain("-A CHAIN RULE");
        let chain = t.chains.get(name);
        let spec = rest;
        let position: number | undefined;
        if ((c === "-I" || c === "-R" || c === "-D") && spec[0] !== undefined && /^\d+$/.test(spec[0])) {
          position = Number(spec[0]);
          spec = spec.slice(1);
        }
        if (c === "-R" && position === undefined) throw new AnalyzeParseError(loc.file, loc.line, "-R CHAIN RULENUM RULE");
        if (!chain) {
          if (mode === "dump" && c === "-A" && !BUILTIN_CHAINS[t.name]!.includes(name) && !this.inBlock) {
            // `iptables -S` prints -N before the rules; an excerpt without it still means the chain exists.
            chain = this.createChain(t, name, loc);
          } else {
            this.rs.chainReferences.push({ family, table: t.name, chain: name, loc });
            return this.refuse(loc, `chain ${name} does not exist; the kernel refuses ${c} ${name}`);
          }
        }
        if (c === "-D" && position !== undefined && !spec.length) {
          if (position < 1 || position > chain.rules.length) return refuseCmd(`${name} has no rule ${position}`);
          chain.rules.splice(position - 1, 1);
          return;
        }
        const read = readRule(spec, { family, table: t.name, chain: name, loc, ...(counters ? { counters } : {}) });
        if (read.parseError) throw new AnalyzeParseError(loc.file, loc.line, read.parseError);
        for (const m of read.badAddresses) this.finding(loc, "bad-address", "error", `${m}; the kernel refuses this rule`);
        if (read.badAddresses.length) return this.refuse(loc, read.badAddresses.join("; "));
        for (const m of read.hostBits) this.finding(loc, "host-bits", "warning", m);
        if (read.refused) return refuseCmd(read.refused);
        if (c === "-D") {
          const key = read.rules.map((r) => r.key);
          for (const k of key) {
            const at = chain.rules.findIndex((r) => r.key === k);
            if (at < 0) return refuseCmd(`no rule in ${name} matches this specification`);
            chain.rules.splice(at, 1);
          }
          return;
        }
        const rules = read.rules.filter((r) => this.admit(t, r, mode));
        if (rules.length !== read.rules.length) return;
        if (c === "-A") chain.rules.push(...rules);
        else if (c === "-I") {
          const at = (position ?? 1) - 1;
          if (at < 0 || at > chain.rules.length) return refuseCmd(`index of insertion ${position} is beyond the end of ${name} (${chain.rules.length} rules)`);
          chain.rules.splice(at, 0, ...rules);
        } else {
          if (position! < 1 || position! > chain.rules.length || rules.length !== 1) return refuseCmd(`${name} has no rule ${position} to replace`);
          chain.rules.splice(position! - 1, 1, rules[0]!);
        }
        return;
      }
      case "-N": {
        const name = needChain("-N CHAIN");
        if (t.chains.has(name)) return refuseCmd(`chain ${name} already exists`);
        if (name.length > 28 || /^[-!]/.test(name) || isKnownTarget(name)) return refuseCmd(`${JSON.stringify(name)} cannot be a chain name`);
        this.createChain(t, name, loc);
        return;
      }
      case "-P": {
        const name = needChain("-P CHAIN ACCEPT|DROP");
        const chain = t.chains.get(name);
        const policy = rest[0];
        if (policy !== "ACCEPT" && policy !== "DROP") throw new AnalyzeParseError(loc.file, loc.line, `ACCEPT or DROP after -P ${name}`);
        if (!chain?.builtin) return refuseCmd(`only built-in chains have a policy; ${name} is not one`);
        chain.policy = policy;
        chain.policyLoc = loc;
        return;
      }
      case "-F":
        for (const ch of chainName ? [t.chains.get(chainName)] : [...t.chains.values()]) {
          if (!ch) return refuseCmd(`chain ${chainName} does not exist`);
          ch.rules = [];
        }
        return;
      case "-X": {
        const names = chainName ? [chainName] : [...t.chains.values()].filter((ch) => !ch.builtin).map((ch) => ch.name);
        for (const n of names) {
          const ch = t.chains.get(n);
          if (!ch) return refuseCmd(`chain ${n} does not exist`);
          if (ch.builtin) return refuseCmd(`built-in chain ${n} cannot be deleted`);
          if (ch.rules.length) return refuseCmd(`chain ${n} is not empty`);
          if (this.referenced(t, n)) return refuseCmd(`chain ${n} is still jumped to`);
          t.chains.delete(n);
        }
        return;
      }
      case "-E": {
        const from = needChain("-E OLD NEW");
        const to = rest[0];
        const ch = t.chains.get(from);
        if (!to) throw new AnalyzeParseError(loc.file, loc.line, "-E OLD NEW");
        if (!ch || ch.builtin || t.chains.has(to)) return refuseCmd(`cannot rename ${from} to ${to}`);
        t.chains.delete(from);
        ch.name = to;
        t.chains.set(to, ch);
        this.created.add(`${t.family}/${t.name}/${to}`);
        for (const other of t.chains.values()) {
          for (const r of other.rules) {
            r.chain = other.name;
            if ((r.target.kind === "jump" || r.target.kind === "goto") && r.target.chain === from) r.target = { ...r.target, chain: to };
          }
        }
        return;
      }
      case "-L":
      case "-S":
      case "-Z":
      case "-C":
        return;
      default:
        throw new AnalyzeParseError(loc.file, loc.line, `an iptables command (-A, -I, -D, -R, -N, -X, -F, -P, -E) where ${JSON.stringify(cmd ?? "")} is`);
    }
  }

  private referenced(t: AnalyzedTable, name: string): boolean {
    for (const c of t.chains.values()) for (const r of c.rules) if ((r.target.kind === "jump" || r.target.kind === "goto") && r.target.chain === name) return true;
    return false;
  }

  inBlock = false;

  /** `:CHAIN POLICY [p:b]` of a restore file: declares (and, when it exists, empties) the chain. */
  declare(family: AnalyzedFamily, tableName: string, words: string[], loc: SourceLoc): void {
    const t = this.table(family, tableName)!;
    const name = words[0]!.slice(1);
    const policy = words[1];
    const counters = parseCounters(words[2]);
    const existing = t.chains.get(name);
    if (existing?.builtin) {
      if (policy === "ACCEPT" || policy === "DROP") {
        existing.policy = policy;
        existing.policyLoc = loc;
        existing.declaredAt = loc;
        if (counters) existing.policyCounters = counters;
      } else if (policy !== "-" && policy !== undefined) throw new AnalyzeParseError(loc.file, loc.line, `ACCEPT, DROP or - as the policy of ${name}`);
      return;
    }
    if (!name) throw new AnalyzeParseError(loc.file, loc.line, "a chain name after :");
    if (existing) {
      existing.rules = [];
      existing.declaredAt = loc;
      return;
    }
    this.createChain(t, name, loc);
  }

  /** End of input: rules of restore files whose jump names no chain are refused, as iptables-restore would. */
  finish(): void {
    for (const f of [4, 6] as const) {
      for (const t of this.rs.tables[f].values()) {
        for (const c of t.chains.values()) {
          c.rules = c.rules.filter((r) => {
            if ((r.target.kind === "jump" || r.target.kind === "goto") && !t.chains.has(r.target.chain)) {
              this.rs.chainReferences.push({ family: f, table: t.name, chain: r.target.chain, loc: r.loc });
              this.refuse(r.loc, `chain ${r.target.chain} does not exist; the kernel refuses this rule`);
              return false;
            }
            const missing = r.conditions.find((x) => x.kind === "set" && !this.rs.sets.has(x.name));
            if (missing && missing.kind === "set") {
              this.refuse(r.loc, `set ${missing.name} does not exist; the kernel refuses this rule`);
              return false;
            }
            return true;
          });
        }
      }
    }
    for (const ref of this.rs.chainReferences) {
      const t = this.rs.tables[ref.family].get(ref.table)!;
      const never = !this.wasCreated(t, ref.chain);
      this.finding(ref.loc, "undefined-chain", "error", never ? `chain ${ref.chain} is never created (${t.family === 6 ? "ip6tables" : "iptables"} -t ${t.name} -N ${ref.chain}); the kernel refuses this rule` : `chain ${ref.chain} does not exist yet when this rule is added; the kernel refuses it`);
    }
    const seen = new Set<string>();
    for (const ref of this.rs.setReferences) {
      const created = this.setWasCreated(ref.name);
      if (created && !this.isRefusedForMissingSet(ref)) continue;
      const key = `${ref.loc.file}:${ref.loc.line}:${ref.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      this.finding(ref.loc, "undefined-set", "error", created ? `set ${ref.name} does not exist at this line (it is created later, or was destroyed); the kernel refuses it` : `set ${ref.name} is never created (ipset create ${ref.name} TYPE); the kernel refuses this ${ref.byRule ? "rule" : "entry"}`);
    }
  }

  private isRefusedForMissingSet(ref: { name: string; loc: SourceLoc }): boolean {
    return this.rs.refused.some((r) => r.loc === ref.loc && r.reason.startsWith(`set ${ref.name} does not exist`));
  }
}

function parseCounters(text: string | undefined): Counters | undefined {
  const m = text ? /^\[(\d+):(\d+)\]$/.exec(text) : null;
  return m ? { packets: BigInt(m[1]!), bytes: BigInt(m[2]!) } : undefined;
}

/** Strips -t TABLE and -w [SECONDS] wherever they are; returns the table and the rest. */
function splitTable(words: string[]): { table: string; rest: string[] } {
  let table = "filter";
  const rest: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === "-t" || w === "--table") table = words[++i] ?? "";
    else if (/^-t[a-z]+$/.test(w)) table = w.slice(2);
    else if (w.startsWith("--table=")) table = w.slice(8);
    else if (w === "-w" || w === "--wait" || w === "-W" || w === "--wait-interval") {
      if (words[i + 1] !== undefined && /^\d+(\.\d+)?$/.test(words[i + 1]!)) i++;
    } else if (w === "-v" || w === "-n" || w === "-x" || w === "--line-numbers" || w === "--verbose" || w === "--numeric" || w === "--exact") continue;
    else rest.push(w);
  }
  return { table, rest };
}

/** The words of a command line without `sudo` and its options. */
function commandWords(words: string[]): string[] {
  let i = 0;
  while (words[i] === "sudo" || (i > 0 && words[i - 1] === "sudo" && words[i]?.startsWith("-"))) i++;
  while (words[i] !== undefined && words[i - 1]?.startsWith("-") && words[i - 2] === "sudo") i++;
  return words.slice(i);
}

const isScriptCommand = (words: string[]) => {
  const w = commandWords(words)[0];
  return w !== undefined && (IPTABLES.test(w) || IPSET.test(w));
};

/** Which family a block of restore lines (or loose -S lines) is for, when nothing says so. */
function guessFamily(lines: string[][], sets: AnalyzedRuleset["sets"], fallback: AnalyzedFamily | undefined): AnalyzedFamily {
  if (fallback) return fallback;
  let v4 = false;
  for (const words of lines) {
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      if (/^(-s|-d|--source|--destination|--src|--dst|--src-range|--dst-range)$/.test(w)) {
        const v = words[i + 1] ?? "";
        if (v.includes(":")) return 6;
        if (/^\d/.test(v)) v4 = true;
      }
      if ((w === "-p" || w === "--protocol") && /^(ipv6-icmp|icmpv6|58)$/i.test(words[i + 1] ?? "")) return 6;
      if (w === "--icmpv6-type") return 6;
      if (w === "--match-set" && sets.get(words[i + 1] ?? "")?.family === 6) return 6;
    }
  }
  return v4 ? 4 : 4;
}

const hintOf = (comment: string): AnalyzedFamily | undefined => (/ip6tables/.test(comment) ? 6 : /iptables/.test(comment) ? 4 : undefined);

function readFile(b: Builder, input: AnalyzeInput): void {
  const lines = logicalLines(input.text).map((l) => ({ ...l, loc: { file: input.file, line: l.line } as SourceLoc, tok: tokenize(l.text) }));
  for (const l of lines) if (!l.tok.ok) throw new AnalyzeParseError(input.file, l.line, l.tok.message);
  const words = (l: (typeof lines)[number]) => (l.tok.ok ? l.tok.words : []);
  const mode: Mode = lines.some((l) => isScriptCommand(words(l))) ? "script" : "dump";

  if (mode === "script") {
    for (const l of lines) {
      const w = commandWords(words(l));
      if (!w.length) continue;
      const prog = w[0]!;
      const ipt = IPTABLES.exec(prog);
      if (ipt) {
        const { table, rest } = splitTable(w.slice(1));
        if (!rest.length) throw new AnalyzeParseError(input.file, l.line, `a command after ${prog}`);
        b.iptables(ipt[1] === "ip6tables" ? 6 : 4, table, rest, l.loc, "script");
      } else if (IPSET.test(prog)) {
        b.ipset(w.slice(1), l.loc);
      } else {
        b.finding(l.loc, "skipped-command", "info", `not an iptables, ip6tables or ipset command; skipped: ${w.join(" ")}`);
      }
    }
    return;
  }

  let hint: AnalyzedFamily | undefined;
  let block: { table: string; family: AnalyzedFamily; start: number } | undefined;
  let looseFamily: AnalyzedFamily | undefined;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const raw = l.text.trim();
    if (raw.startsWith("#")) {
      const h = hintOf(raw);
      if (h) hint = h;
      continue;
    }
    const w = words(l);
    if (!w.length) continue;
    if (block) {
      if (w[0] === "COMMIT") {
        block = undefined;
        b.inBlock = false;
        hint = undefined;
        continue;
      }
      if (w[0]!.startsWith(":")) {
        b.declare(block.family, block.table, w, l.loc);
        continue;
      }
      let counters: Counters | undefined;
      let rest = w;
      if (/^\[\d+:\d+\]$/.test(w[0]!)) {
        counters = parseCounters(w[0]);
        rest = w.slice(1);
      }
      if (rest[0]?.startsWith("-")) {
        b.iptables(block.family, block.table, rest, l.loc, "dump", counters);
        continue;
      }
      if (rest[0]?.startsWith("*")) throw new AnalyzeParseError(input.file, l.line, `COMMIT before the next table (${rest[0]}); table ${block.table} from line ${block.start} is not committed`);
      throw new AnalyzeParseError(input.file, l.line, `a :CHAIN POLICY line, a rule (-A CHAIN ...) or COMMIT in table ${block.table}`);
    }
    if (w[0]!.startsWith("*")) {
      const table = w[0]!.slice(1);
      if (!BUILTIN_CHAINS[table]) throw new AnalyzeParseError(input.file, l.line, `a table name (filter, nat, mangle, raw, security) after *, not ${JSON.stringify(table)}`);
      const body: string[][] = [];
      for (let j = i + 1; j < lines.length && words(lines[j]!)[0] !== "COMMIT"; j++) body.push(words(lines[j]!));
      block = { table, family: guessFamily(body, b.rs.sets, input.family ?? hint), start: l.line };
      b.inBlock = true;
      b.table(block.family, table);
      continue;
    }
    if (IPSET_VERBS.has(w[0]!)) {
      b.ipset(w, l.loc);
      continue;
    }
    if (/^-[AINPXFDRE]$/.test(w[0]!) || /^--(append|insert|new-chain|policy|delete-chain|flush|delete|replace|rename-chain)$/.test(w[0]!)) {
      looseFamily ??= guessFamily(lines.filter((x) => /^-/.test(words(x)[0] ?? "")).map(words), b.rs.sets, input.family ?? hint);
      const { table, rest } = splitTable(w);
      b.iptables(looseFamily, table, rest, l.loc, "dump");
      continue;
    }
    throw new AnalyzeParseError(
      input.file,
      l.line,
      `a line of iptables-save (*table, :CHAIN, -A ..., COMMIT), iptables -S (-P, -N, -A), ipset save (create, add) or a script of iptables/ip6tables/ipset commands; found ${JSON.stringify(l.text.trim().slice(0, 60))}`,
    );
  }
  if (block) throw new AnalyzeParseError(input.file, block.start, `COMMIT to end table ${block.table} opened here`);
}

/** Reads several files as one ruleset, in order. Throws AnalyzeParseError for a file that is none of the forms. */
export function analyze(inputs: AnalyzeInput[]): AnalyzedRuleset {
  const b = new Builder();
  for (const input of inputs) readFile(b, input);
  b.finish();
  return b.rs;
}
