// One rule specification (the words after `-A CHAIN`) into AnalyzedRules: a comma list of -s or -d
// addresses becomes one rule per address, as iptables does. What the kernel would refuse is said, not thrown.
import { readAddressOrRange, readCidr } from "./address.js";
import type { AddrRange, AnalyzedFamily, AnalyzedRule, AnalyzedTarget, Condition, Counters, Direction, PortRange, SourceLoc } from "./types.js";

export interface RuleRead {
  rules: AnalyzedRule[];
  /** Messages for bad-address (the rule is refused) and host-bits (kept, masked). */
  badAddresses: string[];
  hostBits: string[];
  /** Why the kernel would refuse the rule, other than a bad address. */
  refused?: string;
  /** Options whose argument is missing: the line cannot be parsed. */
  parseError?: string;
}

const TERMINAL_TARGETS = new Set(["QUEUE", "NFQUEUE", "DNAT", "SNAT", "MASQUERADE", "REDIRECT", "NETMAP", "TPROXY", "SYNPROXY", "CLUSTERIP", "TARPIT"]);
const NON_TERMINAL_TARGETS = new Set([
  "LOG", "NFLOG", "ULOG", "CONNMARK", "TRACE", "CLASSIFY", "TCPMSS", "AUDIT", "SET", "CT", "NOTRACK", "CHECKSUM", "DSCP", "TOS", "TTL", "HL",
  "SECMARK", "CONNSECMARK", "TEE", "IDLETIMER", "LED", "NFACCT", "RATEEST", "HMARK", "TCPOPTSTRIP", "ECN", "IPMARK", "CONNTRACK",
]);
const RAW_ONLY = new Set(["TRACE", "NOTRACK", "CT"]);
const NAT_ONLY = new Set(["DNAT", "SNAT", "MASQUERADE", "REDIRECT", "NETMAP"]);
export const BUILTIN_VERDICTS = new Set(["ACCEPT", "DROP", "REJECT", "RETURN", "MARK"]);

/** Is this -j name a target extension or verdict (not a chain)? */
export const isKnownTarget = (name: string) => BUILTIN_VERDICTS.has(name) || TERMINAL_TARGETS.has(name) || NON_TERMINAL_TARGETS.has(name);

const PROTO_NUMBERS: Record<string, string> = { "1": "icmp", "6": "tcp", "17": "udp", "58": "ipv6-icmp", "132": "sctp", "136": "udplite", "47": "gre", "50": "esp", "51": "ah" };
const PROTO_ALIASES: Record<string, string> = { icmpv6: "ipv6-icmp", "ipv6-icmp": "ipv6-icmp" };
const SERVICES: Record<string, number> = { ftp: 21, ssh: 22, telnet: 23, smtp: 25, domain: 53, http: 80, www: 80, pop3: 110, ntp: 123, imap: 143, snmp: 161, ldap: 389, https: 443, imaps: 993, pop3s: 995, mysql: 3306, postgresql: 5432 };
const CT_STATES = new Set(["INVALID", "NEW", "ESTABLISHED", "RELATED", "UNTRACKED", "SNAT", "DNAT"]);
/** Options that take no argument. */
const FLAG_OPTIONS = new Set([
  "--syn", "--physdev-is-bridged", "--physdev-is-in", "--physdev-is-out", "--return-nomatch", "--update-counters", "--update-subcounters", "-f", "--fragment",
  "--log-tcp-sequence", "--log-tcp-options", "--log-ip-options", "--log-uid", "--log-macdecode", "--rcheck", "--update", "--remove", "--rsource", "--rdest",
  "--random", "--random-fully", "--persistent", "--exist", "--notrack", "--rttl", "--mask-soft", "--ctdir",
]);

export function normalizeProto(text: string): string | undefined {
  const t = text.toLowerCase();
  if (t === "all" || t === "0") return "all";
  if (PROTO_NUMBERS[t]) return PROTO_NUMBERS[t];
  if (PROTO_ALIASES[t]) return PROTO_ALIASES[t];
  if (/^[a-z][a-z0-9-]*$/.test(t) || /^\d{1,3}$/.test(t)) return t;
  return undefined;
}

function readPort(text: string): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n <= 65535 ? n : undefined;
  }
  return SERVICES[text.toLowerCase()];
}

/** "80", "80:90", ":1024", "1024:", and comma lists of those (multiport). */
export function readPorts(text: string, list: boolean): PortRange[] | undefined {
  const parts = list ? text.split(",") : [text];
  const out: PortRange[] = [];
  for (const p of parts) {
    const colon = p.indexOf(":");
    if (colon < 0) {
      const n = readPort(p);
      if (n === undefined) return undefined;
      out.push({ start: n, end: n });
    } else {
      const a = colon === 0 ? 0 : readPort(p.slice(0, colon));
      const b = colon === p.length - 1 ? 65535 : readPort(p.slice(colon + 1));
      if (a === undefined || b === undefined) return undefined;
      out.push(a <= b ? { start: a, end: b } : { start: b, end: a });
    }
  }
  return out;
}

function readMark(text: string): { value: number; mask: number } | undefined {
  const [v, m] = text.split("/");
  const num = (s: string | undefined) => (s !== undefined && /^(0x[0-9a-f]+|\d+)$/i.test(s) ? Number(s) >>> 0 : undefined);
  const value = num(v);
  const mask = m === undefined ? 0xffffffff : num(m);
  if (value === undefined || mask === undefined) return undefined;
  return { value, mask };
}

export const ruleShortText = (words: string[]) => words.map((w) => (/^[A-Za-z0-9_.:/,=+@!-]+$/.test(w) ? w : JSON.stringify(w))).join(" ");

const hex = (n: number) => `0x${n.toString(16)}`;

/** A canonical clause for a condition: equal clauses mean equal conditions. */
export function conditionText(c: Condition): string {
  const not = (n: boolean) => (n ? "! " : "");
  switch (c.kind) {
    case "addr":
      return `${not(c.negate)}${c.dir === "src" ? "-s" : "-d"} ${c.range.text}`;
    case "iface":
      return `${not(c.negate)}${c.dir === "in" ? "-i" : "-o"} ${c.name}`;
    case "physdev":
      return `-m physdev ${not(c.negate)}--physdev-${c.dir} ${c.name}`;
    case "physdev-flag":
      return `-m physdev ${not(c.negate)}--physdev-${c.flag}`;
    case "proto":
      return `${not(c.negate)}-p ${c.proto}`;
    case "port":
      return `${not(c.negate)}--${c.dir === "any" ? "" : c.dir === "src" ? "s" : "d"}ports ${c.ranges.map((r) => (r.start === r.end ? `${r.start}` : `${r.start}:${r.end}`)).join(",")}`;
    case "ctstate":
      return `${not(c.negate)}--ctstate ${[...c.states].sort().join(",")}`;
    case "set":
      return `-m set ${not(c.negate)}--match-set ${c.name} ${c.dirs.join(",")}${c.returnNomatch ? " --return-nomatch" : ""}`;
    case "mark":
      return `-m mark ${not(c.negate)}--mark ${hex(c.value)}/${hex(c.mask)}`;
    case "icmp-type":
      return `${not(c.negate)}--icmp-type ${c.type}`;
    case "tcp-flags":
      return `${not(c.negate)}--tcp-flags ${c.mask.join(",")} ${c.set.join(",")}`;
    case "other":
      return `-m ${c.module} ${c.text}`;
  }
}

export function targetText(t: AnalyzedTarget): string {
  switch (t.kind) {
    case "accept":
      return "-j ACCEPT";
    case "drop":
      return "-j DROP";
    case "reject":
      return `-j REJECT${t.with ? ` --reject-with ${t.with}` : ""}`;
    case "return":
      return "-j RETURN";
    case "jump":
      return `-j ${t.chain}`;
    case "goto":
      return `-g ${t.chain}`;
    case "mark":
      return `-j MARK --set-xmark ${hex(t.value)}/${hex(t.mask)}`;
    case "extension":
      return `-j ${t.name}${t.options.length ? ` ${t.options.join(" ")}` : ""}`;
    case "none":
      return "";
  }
}

const PORT_PROTOS = new Set(["tcp", "udp", "sctp", "udplite", "dccp"]);

/**
 * Reads the words of one rule specification. `words` start after the chain (and position); `family`
 * decides which addresses are valid.
 */
export function readRule(words: string[], ctx: { family: AnalyzedFamily; table: string; chain: string; loc: SourceLoc; counters?: Counters }): RuleRead {
  const result: RuleRead = { rules: [], badAddresses: [], hostBits: [] };
  const conditions: Condition[] = [];
  const addrLists: { dir: Direction; negate: boolean; ranges: AddrRange[] }[] = [];
  let target: AnalyzedTarget = { kind: "none" };
  let comment: string | undefined;
  let counters = ctx.counters;
  let module = "";
  let negate = false;
  let proto: string | undefined;
  let protoNegated = false;
  let inTarget = false;
  const modules = new Set<string>();
  const refuse = (why: string) => (result.refused ??= why);

  let i = 0;
  const arg = (opt: string): string | undefined => {
    const v = words[i + 1];
    if (v === undefined) {
      result.parseError ??= `a value after ${opt}`;
      return undefined;
    }
    i++;
    return v;
  };
  const readAddrs = (dir: Direction, text: string, neg: boolean) => {
    const ranges: AddrRange[] = [];
    const parts = text.split(",");
    if (neg && parts.length > 1) refuse(`! ${dir === "src" ? "-s" : "-d"} takes one address, not a list`);
    for (const p of parts) {
      const r = readCidr(p, ctx.family);
      if (!r.ok) {
        result.badAddresses.push(r.message);
        continue;
      }
      if (r.hostBits) result.hostBits.push(`${JSON.stringify(p)} has host bits set; the kernel uses ${r.hostBits.meant}`);
      ranges.push(r.range);
    }
    addrLists.push({ dir, negate: neg, ranges });
  };

  for (; i < words.length; i++) {
    const w = words[i]!;
    if (w === "!") {
      negate = true;
      continue;
    }
    const neg = negate;
    negate = false;
    if (inTarget && w.startsWith("--")) {
      const options = target.kind === "extension" ? target.options : [];
      if (target.kind === "reject" && w === "--reject-with") {
        const v = arg(w);
        if (v !== undefined) target = { kind: "reject", with: v };
        continue;
      }
      if (target.kind === "mark" && /^--(set-xmark|set-mark|or-mark|and-mark|xor-mark)$/.test(w)) {
        const v = arg(w);
        const m = v === undefined ? undefined : readMark(v);
        if (v !== undefined && !m) refuse(`${JSON.stringify(v)} is not a mark value[/mask]`);
        if (m) {
          const op = w.slice(2);
          const bare = !v!.includes("/");
          if (op === "set-xmark") target = { kind: "mark", ...m };
          else if (op === "set-mark") target = { kind: "mark", value: m.value, mask: (bare ? 0xffffffff : m.mask | m.value) >>> 0 };
          else if (op === "or-mark") target = { kind: "mark", value: m.value, mask: m.value };
          else if (op === "and-mark") target = { kind: "mark", value: 0, mask: ~m.value >>> 0 };
          else target = { kind: "mark", value: m.value, mask: 0 };
        }
        continue;
      }
      options.push(w);
      if (!FLAG_OPTIONS.has(w)) {
        const v = arg(w);
        if (v !== undefined) options.push(/^[A-Za-z0-9_.:/,=+@-]+$/.test(v) ? v : JSON.stringify(v));
      }
      continue;
    }
    switch (w) {
      case "-s":
      case "--source":
      case "--src":
      case "-d":
      case "--destination":
      case "--dst": {
        const v = arg(w);
        if (v !== undefined) readAddrs(w === "-s" || w === "--source" || w === "--src" ? "src" : "dst", v, neg);
        break;
      }
      case "-p":
      case "--protocol": {
        const v = arg(w);
        if (v === undefined) break;
        const p = normalizeProto(v);
        if (!p) refuse(`${JSON.stringify(v)} is not a protocol`);
        else if (p !== "all") {
          if (p === "icmp" && ctx.family === 6) refuse("ip6tables needs -p ipv6-icmp (icmpv6), not icmp");
          proto = p;
          protoNegated = neg;
          conditions.push({ kind: "proto", proto: p, negate: neg });
        }
        break;
      }
      case "-i":
      case "--in-interface":
      case "-o":
      case "--out-interface": {
        const v = arg(w);
        if (v !== undefined) conditions.push({ kind: "iface", dir: w === "-i" || w === "--in-interface" ? "in" : "out", name: v, negate: neg });
        break;
      }
      case "-j":
      case "--jump":
      case "-g":
      case "--goto": {
        const v = arg(w);
        if (v === undefined) break;
        inTarget = true;
        if (w === "-g" || w === "--goto") target = { kind: "goto", chain: v };
        else if (v === "ACCEPT") target = { kind: "accept" };
        else if (v === "DROP") target = { kind: "drop" };
        else if (v === "REJECT") target = { kind: "reject" };
        else if (v === "RETURN") target = { kind: "return" };
        else if (v === "MARK") target = { kind: "mark", value: 0, mask: 0 };
        else if (TERMINAL_TARGETS.has(v) || NON_TERMINAL_TARGETS.has(v)) {
          target = { kind: "extension", name: v, terminal: TERMINAL_TARGETS.has(v), options: [] };
          if (RAW_ONLY.has(v) && ctx.table !== "raw") refuse(`the ${v} target is only valid in the raw table, not ${ctx.table}`);
          if (NAT_ONLY.has(v) && ctx.table !== "nat") refuse(`the ${v} target is only valid in the nat table, not ${ctx.table}`);
        } else target = { kind: "jump", chain: v };
        break;
      }
      case "-m":
      case "--match": {
        const v = arg(w);
        if (v !== undefined) {
          module = v;
          modules.add(v);
        }
        break;
      }
      case "-c":
      case "--set-counters": {
        const p = arg(w);
        const b = arg(w);
        if (p !== undefined && b !== undefined && /^\d+$/.test(p) && /^\d+$/.test(b)) counters = { packets: BigInt(p), bytes: BigInt(b) };
        break;
      }
      case "-w":
      case "--wait":
        if (words[i + 1] !== undefined && /^\d+(\.\d+)?$/.test(words[i + 1]!)) i++;
        break;
      case "--dport":
      case "--destination-port":
      case "--sport":
      case "--source-port":
      case "--dports":
      case "--destination-ports":
      case "--sports":
      case "--source-ports":
      case "--ports": {
        const v = arg(w);
        if (v === undefined) break;
        const list = w.endsWith("s");
        const ranges = readPorts(v, list);
        if (!ranges) refuse(`${JSON.stringify(v)} is not a port${list ? " list" : " or range"}`);
        else {
          const dir = w === "--ports" ? "any" : w.startsWith("--d") ? "dst" : "src";
          conditions.push({ kind: "port", dir, ranges, negate: neg });
        }
        if (!proto || protoNegated || !PORT_PROTOS.has(proto)) refuse(`${w} needs -p tcp, udp or sctp before it`);
        break;
      }
      case "--ctstate":
      case "--state": {
        const v = arg(w);
        if (v === undefined) break;
        const states = v.toUpperCase().split(",");
        if (states.some((s) => !CT_STATES.has(s))) refuse(`${JSON.stringify(v)} is not a list of conntrack states`);
        conditions.push({ kind: "ctstate", states, negate: neg });
        break;
      }
      case "--match-set":
      case "--set": {
        if (w === "--set" && module !== "set") {
          conditions.push({ kind: "other", module: module || "?", text: "--set" });
          break;
        }
        const name = arg(w);
        const flags = arg(w);
        if (name === undefined || flags === undefined) break;
        const dirs = flags.split(",");
        if (dirs.some((d) => d !== "src" && d !== "dst")) refuse(`${JSON.stringify(flags)} is not a list of src and dst`);
        conditions.push({ kind: "set", name, dirs: dirs.filter((d): d is Direction => d === "src" || d === "dst"), negate: neg, returnNomatch: false });
        break;
      }
      case "--return-nomatch": {
        const last = [...conditions].reverse().find((c) => c.kind === "set");
        if (last && last.kind === "set") last.returnNomatch = true;
        break;
      }
      case "--update-counters":
      case "--update-subcounters":
        break;
      case "--mark": {
        const v = arg(w);
        if (v === undefined) break;
        const m = readMark(v);
        if (!m) refuse(`${JSON.stringify(v)} is not a mark value[/mask]`);
        else if (module === "connmark") conditions.push({ kind: "other", module, text: `${neg ? "! " : ""}--mark ${v}` });
        else conditions.push({ kind: "mark", ...m, negate: neg });
        break;
      }
      case "--comment": {
        const v = arg(w);
        if (v !== undefined) comment = v;
        break;
      }
      case "--icmp-type":
      case "--icmpv6-type": {
        const v = arg(w);
        if (v !== undefined) conditions.push({ kind: "icmp-type", type: v, negate: neg });
        break;
      }
      case "--syn":
        conditions.push({ kind: "tcp-flags", mask: ["ACK", "FIN", "RST", "SYN"], set: ["SYN"], negate: neg });
        break;
      case "--tcp-flags": {
        const m = arg(w);
        const s = arg(w);
        if (m !== undefined && s !== undefined) {
          const norm = (t: string) => (t.toUpperCase() === "ALL" ? ["ACK", "CWR", "ECE", "FIN", "PSH", "RST", "SYN", "URG"] : t.toUpperCase() === "NONE" ? [] : t.toUpperCase().split(",").sort());
          conditions.push({ kind: "tcp-flags", mask: norm(m), set: norm(s), negate: neg });
        }
        break;
      }
      case "--physdev-in":
      case "--physdev-out": {
        const v = arg(w);
        if (v !== undefined) conditions.push({ kind: "physdev", dir: w === "--physdev-in" ? "in" : "out", name: v, negate: neg });
        break;
      }
      case "--physdev-is-in":
      case "--physdev-is-out":
      case "--physdev-is-bridged":
        conditions.push({ kind: "physdev-flag", flag: w.slice("--physdev-".length) as "is-in" | "is-out" | "is-bridged", negate: neg });
        break;
      case "--src-range":
      case "--dst-range": {
        const v = arg(w);
        if (v === undefined) break;
        const r = readAddressOrRange(v, ctx.family);
        if (!r.ok) result.badAddresses.push(r.message);
        else conditions.push({ kind: "addr", dir: w === "--src-range" ? "src" : "dst", range: r.range, negate: neg });
        break;
      }
      default: {
        if (!w.startsWith("-")) {
          result.parseError ??= `an option (starting with -) where ${JSON.stringify(w)} is`;
          break;
        }
        // An option moat does not model: it takes the words up to the next option.
        const args: string[] = [];
        if (!FLAG_OPTIONS.has(w)) while (i + 1 < words.length && !words[i + 1]!.startsWith("-") && words[i + 1] !== "!") args.push(words[++i]!);
        const text = `${neg ? "! " : ""}${w}${args.length ? ` ${ruleShortText(args)}` : ""}`;
        if (w === "-f" || w === "--fragment") conditions.push({ kind: "other", module: "fragment", text });
        else if (module === "comment") break;
        else conditions.push({ kind: "other", module: module || "?", text });
      }
    }
  }
  if (negate) result.parseError ??= "an option after the last !";
  if (modules.has("set") && !conditions.some((c) => c.kind === "set")) refuse("-m set needs --match-set NAME FLAGS");
  if (result.parseError) return result;
  if (result.badAddresses.length) return result;

  const base = { loc: ctx.loc, family: ctx.family, table: ctx.table, chain: ctx.chain, target, ...(comment !== undefined ? { comment } : {}), ...(counters ? { counters } : {}), text: "" };
  // -s and -d lists multiply out, in the kernel's order: each source with each destination.
  let combos: Condition[][] = [[]];
  for (const l of addrLists) {
    const next: Condition[][] = [];
    for (const c of combos) for (const r of l.ranges) next.push([...c, { kind: "addr", dir: l.dir, range: r, negate: l.negate }]);
    combos = next;
  }
  for (const addrs of combos) {
    const conds = [...addrs, ...conditions];
    const text = [...conds.map(conditionText), ...(comment !== undefined ? [`-m comment --comment ${JSON.stringify(comment)}`] : []), targetText(target)].filter(Boolean).join(" ");
    result.rules.push({ ...base, conditions: conds, text: ruleShortText(words), key: text });
  }
  return result;
}
