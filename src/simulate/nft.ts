// Walks a packet through nft text as `nft -f` reads moat's tables (and as `nft list table` prints them
// back): sets with their elements, chains of rules, jump, goto, return; the bridge table's prerouting
// first when the packet came in on a bridge port. It reads text, not the Plan, so the property test
// `simulate == decide` checks what the nftables backend really writes.
import { cidrContains, parseCidr, type Cidr, type Ip } from "../model/index.js";
import { L4 } from "../compile/index.js";
import type { Outcome, Packet, PassResult, TraceStep } from "./packet.js";

interface NftSetValue {
  kind: "addr" | "concat";
  elements: string[][];
  /** A set keyed by `... . mark` holds the members of many Plan sets, one tag each: its elements by tag. */
  byTag?: Map<number, string[][]>;
}

function byTag(elements: string[][]): Map<number, string[][]> {
  const out = new Map<number, string[][]>();
  for (const e of elements) {
    const tag = Number(e[e.length - 1]);
    let list = out.get(tag);
    if (!list) out.set(tag, (list = []));
    list.push(e);
  }
  return out;
}

export interface NftProgram {
  sets: Map<string, NftSetValue>;
  chains: Map<string, string[]>;
  bridge?: string[];
  entry?: string;
}

const splitTop = (text: string) => text.split(",").map((e) => e.trim()).filter(Boolean);

export function parseNftText(text: string): NftProgram {
  const sets = new Map<string, NftSetValue>();
  const chains = new Map<string, string[]>();
  let bridge: string[] | undefined;
  let family = "inet";
  const lines = text.split("\n").map((l) => l.trim());
  for (let i = 0; i < lines.length; i++) {
    const table = /^table (\w+) \S+ \{$/.exec(lines[i]!);
    if (table) family = table[1]!;
    const block = /^(set|map|chain) (\S+) \{$/.exec(lines[i]!);
    if (!block) continue;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== "}"; i++) if (lines[i]) body.push(lines[i]!);
    if (block[1] === "chain") {
      if (family === "bridge") bridge = body.filter((l) => !l.startsWith("type "));
      else chains.set(block[2]!, body.filter((l) => !l.startsWith("type ")));
      continue;
    }
    const type = body.find((l) => l.startsWith("type "))!.slice(5);
    // `nft list` wraps a long elements list over lines: join them up to the closing brace.
    const start = body.findIndex((l) => l.startsWith("elements = {"));
    let els = start >= 0 ? body[start]! : undefined;
    for (let j = start + 1; els !== undefined && !els.endsWith("}") && j < body.length; j++) els += ` ${body[j]}`;
    const elements = els ? splitTop(els.slice("elements = {".length).replace(/\}$/, "")).map((e) => e.split(/ \. | : /).map((p) => p.replace(/^"|"$/g, ""))) : [];
    sets.set(block[2]!, { kind: type.includes(" . ") ? "concat" : "addr", elements, ...(type.endsWith(" . mark") ? { byTag: byTag(elements) } : {}) });
  }
  return { sets, chains, ...(bridge ? { bridge } : {}), entry: "forward" };
}

const cidrCache = new Map<string, Cidr | undefined>();
function inPrefix(text: string, ip: Ip): boolean {
  let c = cidrCache.get(text);
  if (!cidrCache.has(text)) {
    const parsed = parseCidr(text.includes("/") ? text : `${text}/${text.includes(":") ? 128 : 32}`);
    c = parsed.ok ? parsed.value : undefined;
    cidrCache.set(text, c);
  }
  return !!c && cidrContains(c, ip);
}

function addressOf(p: Packet, fam: string, dir: string): Ip | undefined {
  const ip = dir === "saddr" ? p.src : p.dst;
  return (fam === "ip") === (ip.family === 4) ? ip : undefined;
}

type KeyPart = { kind: "addr" } | { kind: "l4proto" } | { kind: "dport"; proto: string } | { kind: "tag"; value: number };

/** The parts of a lookup key that starts at words[i] ("ip saddr . ..."), and where its `@set` is. */
function concatKey(words: string[], i: number): { parts: KeyPart[]; negate: boolean; end: number } {
  const parts: KeyPart[] = [{ kind: "addr" }];
  let j = i + 2;
  while (words[j] === ".") {
    const [a, b] = [words[j + 1], words[j + 2]];
    if (a === "meta" && b === "l4proto") {
      parts.push({ kind: "l4proto" });
      j += 3;
    } else if (b === "dport") {
      parts.push({ kind: "dport", proto: a! });
      j += 3;
    } else if (a === "meta" && b === "mark" && words[j + 3] === "&" && words[j + 5] === "|" && words[j + 4] === words[j + 6]) {
      // The mark masked to nothing, then the constant: the Plan set's tag.
      parts.push({ kind: "tag", value: Number(words[j + 6]) });
      j += 7;
    } else throw new Error(`simulate: cannot read the lookup key at "${words.slice(i, j + 3).join(" ")}"`);
  }
  const negate = words[j] === "!=";
  return { parts, negate, end: negate ? j + 1 : j };
}

function partMatches(k: KeyPart, element: string, addr: Ip, p: Packet, proto: string | undefined): boolean {
  switch (k.kind) {
    case "addr":
      return inPrefix(element, addr);
    case "l4proto":
      return element === proto;
    case "dport":
      return (k.proto === "th" || k.proto === proto) && p.dport !== undefined && Number(element) === p.dport;
    case "tag":
      return Number(element) === k.value;
  }
}

const ND: Record<string, number> = { "nd-router-solicit": 133, "nd-router-advert": 134, "nd-neighbor-solicit": 135, "nd-neighbor-advert": 136 };

/** Whether every match of a rule holds; the verdict is what follows the matches. */
function evaluate(prog: NftProgram, rule: string, p: Packet, iif: string | undefined): { matched: boolean; verdict: string } {
  const text = rule.replace(/ comment "[^"]*"$/, "");
  const words = text.split(" ");
  let i = 0;
  const fail = { matched: false, verdict: "" };
  const proto = L4[p.protocol];
  while (i < words.length) {
    const w = words[i]!;
    // A log statement (rate-limited: `limit rate ... log ...`) is a verdict that goes on.
    if (["accept", "drop", "return", "jump", "goto", "reject", "log", "limit"].includes(w)) return { matched: true, verdict: words.slice(i).join(" ") };
    // Setting the mark goes on (moat's allowed bit; marks are not matched by the flows walked here).
    if (w === "meta" && words[i + 1] === "mark" && words[i + 2] === "set") return { matched: true, verdict: "mark" };
    // A counter counts and goes on: `counter` or, as nft prints it, `counter packets N bytes M`.
    if (w === "counter") {
      i += words[i + 1] === "packets" ? 5 : 1;
      continue;
    }
    if (w === "meta" && words[i + 1] === "nfproto") {
      if ((words[i + 2] === "ipv4") !== (p.src.family === 4)) return fail;
      i += 3;
    } else if (w === "meta" && words[i + 1] === "l4proto") {
      const want = words[i + 2] === "ipv6-icmp" ? "icmp" : words[i + 2];
      if (want === "icmp" && (words[i + 2] === "ipv6-icmp") !== (p.src.family === 6)) return fail;
      if (proto !== want) return fail;
      i += 3;
    } else if (w === "icmpv6") {
      // Flows are new connections, never neighbour discovery.
      return fail;
    } else if (w === "ether") {
      i += words[i + 2] === "{" ? words.indexOf("}", i) + 1 : 3;
    } else if (w === "ct" && words[i + 1] === "state") {
      if (!words[i + 2]!.split(",").includes(p.ctstate.toLowerCase())) return fail;
      i += 3;
    } else if ((w === "tcp" || w === "udp" || w === "sctp" || w === "th") && words[i + 1] === "dport") {
      if (w !== "th" && proto !== w) return fail;
      let list: string[];
      if (words[i + 2] === "{") {
        const end = words.indexOf("}", i);
        list = words.slice(i + 3, end).join(" ").split(",").map((x) => x.trim()).filter(Boolean);
        i = end + 1;
      } else if (words[i + 2]!.startsWith("@")) {
        // A named port set (lists with ranges): its elements are the list.
        list = (prog.sets.get(words[i + 2]!.slice(1))?.elements ?? []).map((e) => e[0]!);
        i += 3;
      } else {
        list = [words[i + 2]!];
        i += 3;
      }
      if (p.dport === undefined || !list.some((r) => { const [a, b] = r.split("-").map(Number); return a! <= p.dport! && p.dport! <= (b ?? a!); })) return fail;
    } else if (w === "iifname" && words[i + 1] === ".") {
      // iifname . ip saddr @set
      const src = addressOf(p, words[i + 2]!, words[i + 3]!);
      const set = prog.sets.get(words[i + 4]!.slice(1));
      if (!src || !set || !set.elements.some((e) => e[0] === iif && inPrefix(e[1]!, src))) return fail;
      i += 5;
    } else if (w === "iifname") {
      const v = words[i + 1]!;
      const hit = v.startsWith("@") ? !!prog.sets.get(v.slice(1))?.elements.some((e) => e[0] === iif) : v.replace(/^"|"$/g, "") === iif;
      if (!hit) return fail;
      i += 2;
    } else if (w === "ip" || w === "ip6") {
      const addr = addressOf(p, w, words[i + 1]!);
      if (!addr) return fail;
      if (words[i + 2] === ".") {
        // A concatenation: ip daddr [. meta l4proto . tcp dport] . meta mark & T | T [!=] @set
        const key = concatKey(words, i);
        const set = prog.sets.get(words[key.end]!.slice(1));
        // Only the elements of the rule's tag: the merged set holds every Plan set's members.
        const tag = key.parts.at(-1)!;
        const candidates = tag.kind === "tag" && set?.byTag ? (set.byTag.get(tag.value) ?? []) : (set?.elements ?? []);
        const hit = candidates.some((e) => e.length === key.parts.length && key.parts.every((k, n) => partMatches(k, e[n]!, addr, p, proto)));
        if (hit === key.negate) return fail;
        i = key.end + 1;
        continue;
      }
      if (words[i + 2] === "vmap") {
        // ip saddr vmap @map: the verdict of the element whose key holds the address, else go on.
        const hit = prog.sets.get(words[i + 3]!.slice(1))?.elements.find((e) => inPrefix(e[0]!, addr));
        if (!hit) return fail;
        return { matched: true, verdict: hit[1]! };
      }
      const negate = words[i + 2] === "!=";
      const v = words[i + (negate ? 3 : 2)]!;
      const hit = v.startsWith("@") ? !!prog.sets.get(v.slice(1))?.elements.some((e) => inPrefix(e[0]!, addr)) : inPrefix(v, addr);
      if (hit === negate) return fail;
      i += negate ? 4 : 3;
    } else throw new Error(`simulate: cannot read nft rule "${rule}" at "${w}"`);
  }
  return { matched: true, verdict: "" };
}

function walk(prog: NftProgram, entry: string[] | string, p: Packet, iif: string | undefined, trace: TraceStep[]): Outcome {
  const stack: { chain: string; rules: string[]; next: number }[] = [typeof entry === "string" ? { chain: entry, rules: prog.chains.get(entry) ?? [], next: 0 } : { chain: "bridge prerouting", rules: entry, next: 0 }];
  for (let steps = 0; stack.length; steps++) {
    if (steps > 100_000) throw new Error("nft program loops");
    const frame = stack[stack.length - 1]!;
    const rule = frame.rules[frame.next];
    if (rule === undefined) {
      stack.pop();
      continue;
    }
    frame.next++;
    const { matched, verdict } = evaluate(prog, rule, p, iif);
    if (!matched) continue;
    trace.push({ chain: frame.chain, rule: frame.next - 1, comment: /comment "([^"]*)"$/.exec(rule)?.[1] ?? "" });
    const [v, target] = verdict.split(" ");
    if (v === "accept") return "accept";
    if (v === "drop") return "drop";
    if (v === "reject") return "reject";
    if (v === "return") stack.pop();
    else if (v === "jump" || v === "goto") {
      const next = { chain: target!, rules: prog.chains.get(target!) ?? [], next: 0 };
      if (!prog.chains.has(target!)) throw new Error(`nft program jumps to a chain it does not define: ${target}`);
      if (v === "jump") stack.push(next);
      else stack[stack.length - 1] = next;
    }
  }
  return "continue";
}

/** One pass of a forwarded packet: bridge prerouting (from a bridge port), then moat's forward chain. */
export function walkNft(prog: NftProgram, p: Packet): PassResult {
  const trace: TraceStep[] = [];
  if (p.physIn && prog.bridge) {
    const o = walk(prog, prog.bridge, p, p.physIn, trace);
    if (o === "drop" || o === "reject") return { outcome: o, trace };
  }
  return { outcome: walk(prog, prog.entry ?? "forward", p, p.inIface, trace), trace };
}


