// A fake kernel behind the dataplane's Runner, for unit tests (felix tests its iptables code the same way).
//
// What it models: the filter table of iptables-legacy and of iptables-nft, for IPv4 and IPv6 apart
// (built-in INPUT/FORWARD/OUTPUT plus user chains, each a list of rule lines), the ipsets they share,
// the br_netfilter sysctls and `iptables --version`. It speaks the programs' text: *-save prints the
// table the way the real tools do (rule lines as given, strings quoted like xtables_save_string),
// *-restore parses `*filter`, `:chain`, -A/-I/-D/-N/-F/-X/-P and COMMIT and checks what the kernel checks
// (targets and sets must exist, a referenced or non-empty chain cannot be deleted, options belong to their
// module), all or nothing per COMMIT. `ipset restore` is not transactional, as in the real tool: lines
// before a failing one stay done. Errors name the line like the real tools, so callers can be tested on
// how they report them.
//
// Tests can make the next command matching a pattern fail (felix's FailNextRestore), optionally at the
// first input line matching another pattern, and can read every command that ran with its input.
import ipaddr from "ipaddr.js";
import type { Runner, RunOptions, RunResult } from "../../src/dataplane/runner.js";

export type FakeFlavor = "legacy" | "nft";
export type FakeFamily = 4 | 6;

export interface Call {
  cmd: string;
  args: string[];
  input?: string;
  result: RunResult;
}

export interface FailSpec {
  /** Matched against the command line ("iptables-legacy-restore --noflush"). */
  command: RegExp;
  /** Fail at the first input line matching this (the lines before it behave as the real tool would). */
  line?: RegExp;
  /** What the tool says about the refused line. */
  message?: string;
}

export interface FakeKernelOptions {
  /** What `iptables --version` prints; undefined: iptables is not installed. */
  version?: string | undefined;
  /** br_netfilter: not loaded, loaded with bridge-nf-call-* off or on, or not available at all. */
  bridge?: "absent" | "off" | "on" | "unavailable";
}

interface Rule {
  text: string;
  target?: string;
  sets: string[];
}

interface Table {
  policies: Map<string, string>;
  chains: Map<string, Rule[]>;
}

interface FakeSet {
  type: string;
  family: "inet" | "inet6";
  hashsize: number;
  maxelem: number;
  members: Set<string>;
}

class LineError extends Error {}

const BUILTINS = ["INPUT", "FORWARD", "OUTPUT"];
const TARGETS = new Set(["ACCEPT", "DROP", "RETURN", "REJECT", "LOG", "NFLOG"]);
const MATCH_OPTIONS: Record<string, Record<string, number>> = {
  set: { "--match-set": 2 },
  multiport: { "--dports": 1, "--sports": 1, "--ports": 1 },
  conntrack: { "--ctstate": 1 },
  state: { "--state": 1 },
  comment: { "--comment": 1 },
  tcp: { "--dport": 1, "--sport": 1 },
  udp: { "--dport": 1, "--sport": 1 },
  physdev: { "--physdev-in": 1, "--physdev-out": 1, "--physdev-is-bridged": 0, "--physdev-is-in": 0, "--physdev-is-out": 0 },
  mark: { "--mark": 1 },
  icmp6: { "--icmpv6-type": 1 },
  limit: { "--limit": 1, "--limit-burst": 1 },
};
const TARGET_OPTIONS: Record<string, Record<string, number>> = {
  REJECT: { "--reject-with": 1 },
  LOG: { "--log-prefix": 1, "--log-level": 1 },
  NFLOG: { "--nflog-prefix": 1, "--nflog-group": 1, "--nflog-threshold": 1, "--nflog-size": 1 },
};
const REJECT_WITH: Record<FakeFamily, string[]> = {
  4: ["icmp-net-unreachable", "icmp-host-unreachable", "icmp-port-unreachable", "icmp-proto-unreachable", "icmp-net-prohibited", "icmp-host-prohibited", "icmp-admin-prohibited", "tcp-reset"],
  6: ["icmp6-no-route", "icmp6-adm-prohibited", "icmp6-addr-unreachable", "icmp6-port-unreachable", "icmp6-policy-fail", "icmp6-reject-route", "tcp-reset"],
};
const PROTOCOLS: Record<FakeFamily, string[]> = { 4: ["tcp", "udp", "sctp", "icmp", "all"], 6: ["tcp", "udp", "sctp", "ipv6-icmp", "all"] };
const CTSTATES = new Set(["INVALID", "NEW", "RELATED", "ESTABLISHED", "UNTRACKED", "SNAT", "DNAT"]);
const SET_DIMENSIONS: Record<string, number> = { "hash:net": 1, "hash:ip": 1, "hash:net,iface": 2, "hash:net,port": 2 };
const IFACE = /^[A-Za-z0-9_.-]{1,15}$/;
const BRIDGE_KEYS = ["net.bridge.bridge-nf-call-iptables", "net.bridge.bridge-nf-call-ip6tables"];

/** xtables_save_string: bare when only [A-Za-z0-9_-], else double-quoted with " \ ' escaped. */
export function saveString(value: string): string {
  return /^[A-Za-z0-9_-]+$/.test(value) ? value : `"${value.replace(/["\\']/g, (c) => `\\${c}`)}"`;
}

/** Splits a restore line into words the way iptables-restore does: double quotes group, backslash escapes. */
export function tokenize(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let open = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === "\\" && i + 1 < line.length) cur += line[++i];
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') {
      quoted = open = true;
    } else if (c === " " || c === "\t") {
      if (open) out.push(cur);
      cur = "";
      open = false;
    } else {
      cur += c;
      open = true;
    }
  }
  if (quoted) throw new LineError("unterminated quoted string");
  if (open) out.push(cur);
  return out;
}

const cloneTable = (t: Table): Table => ({ policies: new Map(t.policies), chains: new Map([...t.chains].map(([k, v]) => [k, [...v]])) });
const emptyTable = (): Table => ({ policies: new Map(BUILTINS.map((c) => [c, "ACCEPT"])), chains: new Map(BUILTINS.map((c) => [c, []])) });

export class FakeKernel implements Runner {
  readonly calls: Call[] = [];
  readonly sysctl = new Map<string, string>();
  version: string | undefined;
  private readonly tables: Record<FakeFlavor, Record<FakeFamily, Table>> = {
    legacy: { 4: emptyTable(), 6: emptyTable() },
    nft: { 4: emptyTable(), 6: emptyTable() },
  };
  private readonly sets = new Map<string, FakeSet>();
  /** Which filter tables exist: iptables-legacy-save and -restore load the legacy one, as the real ones do. */
  readonly tablesExist: Record<FakeFlavor, Set<FakeFamily>> = { legacy: new Set(), nft: new Set() };
  readonly nft = new FakeNft();
  /** The inode of this fake's network namespace, as readlink /proc/self/ns/net shows it. */
  readonly netnsInode = String(4026530000 + Math.floor(Math.random() * 1_000_000_000));
  /** Tools that are not installed (spawn fails with ENOENT), and whether moat runs without root. */
  readonly missing = new Set<string>();
  notRoot = false;
  /** Tracked connections, as conntrack -L prints them (one line each). */
  conntrack: string[] = [];
  private readonly failures: FailSpec[] = [];
  private readonly bridge: NonNullable<FakeKernelOptions["bridge"]>;

  constructor(opts: FakeKernelOptions = {}) {
    this.version = "version" in opts ? opts.version : "iptables v1.8.9 (nf_tables)";
    this.bridge = opts.bridge ?? "absent";
    if (this.bridge === "off" || this.bridge === "on") for (const k of BRIDGE_KEYS) this.sysctl.set(k, this.bridge === "on" ? "1" : "0");
  }

  /** The next command whose command line matches (and, with `line`, whose input has such a line) fails. */
  failNext(spec: FailSpec): void {
    this.failures.push(spec);
  }

  async run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
    const commandLine = [cmd, ...args].join(" ");
    const inputLines = (opts.input ?? "").split("\n");
    const i = this.failures.findIndex((f) => f.command.test(commandLine) && (!f.line || inputLines.some((l) => f.line!.test(l))));
    const fail = i >= 0 ? this.failures.splice(i, 1)[0] : undefined;
    const result = this.dispatch(cmd, args, opts.input ?? "", fail);
    this.calls.push({ cmd, args, ...(opts.input !== undefined ? { input: opts.input } : {}), result });
    return result;
  }

  /** Command lines run so far ("ipset restore"), optionally only those matching. */
  commands(pattern?: RegExp): string[] {
    return this.calls.map((c) => [c.cmd, ...c.args].join(" ")).filter((l) => !pattern || pattern.test(l));
  }

  /** Calls that wrote to the kernel: the restores, ipset changes, sysctl -w, modprobe. */
  writes(): Call[] {
    return this.calls.filter((c) => /-restore$/.test(c.cmd) || (c.cmd === "ipset" && c.args[0] !== "save" && c.args[0] !== "list") || (c.cmd === "sysctl" && c.args[0] === "-w") || c.cmd === "modprobe");
  }

  /** Sets up state as another program would (not recorded); throws when the text is refused. */
  plant(flavor: FakeFlavor, family: FakeFamily, restoreText: string): void {
    this.tablesExist[flavor].add(family);
    const r = this.iptablesRestore(flavor, family, "plant", ["--noflush"], restoreText);
    if (r.code !== 0) throw new Error(r.stderr);
  }

  plantSets(restoreText: string): void {
    const r = this.ipsetRestore(restoreText, false);
    if (r.code !== 0) throw new Error(r.stderr);
  }

  saveText(flavor: FakeFlavor, family: FakeFamily): string {
    return this.save(flavor, family);
  }

  ipsetSaveText(): string {
    return this.ipsetSave();
  }

  setNames(): string[] {
    return [...this.sets.keys()];
  }

  /** Members as `ipset save` prints them, sorted. */
  setMembers(name: string): string[] | undefined {
    const s = this.sets.get(name);
    return s && [...s.members].sort();
  }

  private dispatch(cmd: string, args: string[], input: string, fail?: FailSpec): RunResult {
    if (this.missing.has(cmd)) return { code: 127, stdout: "", stderr: `spawn ${cmd} ENOENT` };
    if (this.notRoot && cmd !== "readlink" && cmd !== "cat") {
      if (cmd === "nft") return { code: 1, stdout: "", stderr: "Error: Could not process rule: Operation not permitted\n" };
      if (cmd === "ipset") return { code: 1, stdout: "", stderr: "ipset v7.19: Kernel error received: Operation not permitted\n" };
      return { code: 4, stdout: "", stderr: `${cmd} v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)\n` };
    }
    const list = /^(ip6?)tables-(legacy|nft)$/.exec(cmd);
    if (list && args.join(" ").replace(/^-w \d+ /, "") === "-S FORWARD") {
      const family: FakeFamily = list[1] === "ip6" ? 6 : 4;
      if (list[2] === "legacy") this.tablesExist.legacy.add(family);
      const t = this.tables[list[2] as FakeFlavor][family];
      return { code: 0, stdout: [`-P FORWARD ${t.policies.get("FORWARD")}`, ...t.chains.get("FORWARD")!.map((r) => `-A FORWARD ${r.text}`.trimEnd())].join("\n") + "\n", stderr: "" };
    }
    const tool = /^(ip6?)tables-(legacy|nft)-(save|restore)$/.exec(cmd);
    if (tool) {
      const family: FakeFamily = tool[1] === "ip6" ? 6 : 4;
      const flavor = tool[2] as FakeFlavor;
      if (flavor === "legacy" || tool[3] === "restore") this.tablesExist[flavor].add(family);
      if (fail && !fail.line) return { code: 1, stdout: "", stderr: `${fail.message ?? "injected failure"}\n` };
      if (tool[3] === "save") {
        if (args.length && !(args.length === 2 && args[0] === "-t" && args[1] === "filter")) return { code: 2, stdout: "", stderr: `${cmd}: unknown arguments ${args.join(" ")}\n` };
        return { code: 0, stdout: this.save(flavor, family), stderr: "" };
      }
      return this.iptablesRestore(flavor, family, cmd, args, input, fail);
    }
    if (fail && !fail.line) return { code: 1, stdout: "", stderr: `${fail.message ?? "injected failure"}\n` };
    switch (cmd) {
      case "iptables":
        if (args.join(" ") !== "--version") return { code: 2, stdout: "", stderr: "fake: only iptables --version is modelled\n" };
        return this.version === undefined ? { code: 127, stdout: "", stderr: "spawn iptables ENOENT" } : { code: 0, stdout: `${this.version}\n`, stderr: "" };
      case "ipset":
        if (args.join(" ") === "list -n") return { code: 0, stdout: [...this.sets.keys()].map((n) => `${n}\n`).join(""), stderr: "" };
        return this.ipset(args, input, fail);
      case "readlink":
        return args[0] === "/proc/self/ns/net" ? { code: 0, stdout: `net:[${this.netnsInode}]\n`, stderr: "" } : { code: 1, stdout: "", stderr: "" };
      case "cat": {
        const m = /^\/proc\/net\/(ip6?)_tables_names$/.exec(args[0] ?? "");
        if (!m) return { code: 1, stdout: "", stderr: `cat: ${args[0]}: No such file or directory\n` };
        return { code: 0, stdout: this.tablesExist.legacy.has(m[1] === "ip6" ? 6 : 4) ? "filter\n" : "", stderr: "" };
      }
      case "nft":
        return this.nft.run(args, input, [...this.tablesExist.nft]);
      case "conntrack":
        return this.runConntrack(args);
      case "sysctl":
        return this.runSysctl(args);
      case "modprobe":
        if (args.join(" ") !== "br_netfilter") return { code: 1, stdout: "", stderr: `modprobe: FATAL: Module ${args.join(" ")} not found\n` };
        if (this.bridge === "unavailable") return { code: 1, stdout: "", stderr: "modprobe: FATAL: Module br_netfilter not found in directory /lib/modules/6.1.0-fake\n" };
        for (const k of BRIDGE_KEYS) if (!this.sysctl.has(k)) this.sysctl.set(k, "1");
        return { code: 0, stdout: "", stderr: "" };
      default:
        return { code: 127, stdout: "", stderr: `spawn ${cmd} ENOENT` };
    }
  }

  private runConntrack(args: string[]): RunResult {
    const family = args.includes("ipv6") ? "ipv6" : "ipv4";
    const ofFamily = (l: string) => (family === "ipv6") === / src=[0-9a-f:]*:/.test(l);
    if (args[0] === "-L") return { code: 0, stdout: this.conntrack.filter(ofFamily).join("\n") + "\n", stderr: "" };
    if (args[0] === "-D") {
      const want = (flag: string) => args[args.indexOf(flag) + 1];
      const keep = (l: string) =>
        !ofFamily(l) ||
        !l.startsWith(want("-p")!) ||
        !l.includes(` src=${want("-s")} dst=${want("-d")} `) ||
        (args.includes("--sport") && !l.includes(` sport=${want("--sport")} `)) ||
        (args.includes("--dport") && !new RegExp(` dport=${want("--dport")}( |$)`).test(l.split(" src=").slice(0, 2).join(" src=")));
      const before = this.conntrack.length;
      this.conntrack = this.conntrack.filter(keep);
      const n = before - this.conntrack.length;
      return { code: n ? 0 : 1, stdout: "", stderr: `conntrack v1.4.7 (conntrack-tools): ${n} flow entries have been deleted.\n` };
    }
    return { code: 2, stdout: "", stderr: "fake: conntrack command not modelled\n" };
  }

  private runSysctl(args: string[]): RunResult {
    const missing = (key: string) => ({ code: 255, stdout: "", stderr: `sysctl: cannot stat /proc/sys/${key.replace(/\./g, "/")}: No such file or directory\n` });
    if (args[0] === "-n" && args.length === 2) {
      const v = this.sysctl.get(args[1]!);
      return v === undefined ? missing(args[1]!) : { code: 0, stdout: `${v}\n`, stderr: "" };
    }
    if (args[0] === "-w" && args.length === 2 && args[1]!.includes("=")) {
      const [key, value] = args[1]!.split("=") as [string, string];
      if (!this.sysctl.has(key)) return missing(key);
      this.sysctl.set(key, value);
      return { code: 0, stdout: `${key} = ${value}\n`, stderr: "" };
    }
    return { code: 2, stdout: "", stderr: `fake: sysctl ${args.join(" ")} is not modelled\n` };
  }

  // ---- iptables ----

  private save(flavor: FakeFlavor, family: FakeFamily): string {
    const t = this.tables[flavor][family];
    const name = `${family === 4 ? "iptables" : "ip6tables"}-${flavor}-save`;
    const lines = [`# Generated by ${name} v1.8.9 on Sat Nov 21 07:42:39 2026`];
    const legacyHasRules = [...this.tables.legacy[family].chains.values()].some((r) => r.length > 0);
    if (flavor === "nft" && legacyHasRules) lines.unshift(`# Warning: iptables-legacy tables present, use ${family === 4 ? "iptables" : "ip6tables"}-legacy-save to see them`);
    lines.push("*filter");
    const order = [...BUILTINS, ...[...t.chains.keys()].filter((c) => !BUILTINS.includes(c)).sort()];
    for (const c of order) lines.push(`:${c} ${t.policies.get(c) ?? "-"} [0:0]`);
    for (const c of order) for (const r of t.chains.get(c)!) lines.push(`-A ${c} ${r.text}`.trimEnd());
    lines.push("COMMIT", "# Completed on Sat Nov 21 07:42:39 2026", "");
    return lines.join("\n");
  }

  private iptablesRestore(flavor: FakeFlavor, family: FakeFamily, cmd: string, args: string[], input: string, fail?: FailSpec): RunResult {
    const noflush = args.some((a) => a === "--noflush" || a === "-n");
    // -w [seconds]: wait for the xtables lock (there is no lock to wait for here).
    const rest = args.filter((a, i) => a !== "-w" && !(args[i - 1] === "-w" && /^\d+$/.test(a)));
    if (rest.some((a) => !["--noflush", "-n"].includes(a))) return { code: 2, stdout: "", stderr: `${cmd}: unknown arguments found on commandline\n` };
    const banner = `${cmd} v1.8.9 (${flavor === "nft" ? "nf_tables" : "legacy"})`;
    const refuse = (n: number, message: string): RunResult => ({
      code: 1,
      stdout: "",
      stderr: `${banner}: ${message}\nError occurred at line: ${n}\nTry \`${cmd} -h' or '${cmd} --help' for more information.\n`,
    });
    const lines = input.split("\n");
    let working: Table | undefined;
    for (let i = 0; i < lines.length; i++) {
      const n = i + 1;
      const line = lines[i]!;
      if (fail?.line?.test(line)) return refuse(n, fail.message ?? "injected failure");
      if (line.trim() === "" || line.startsWith("#")) continue;
      try {
        if (line.startsWith("*")) {
          if (working) throw new LineError("table opened twice without COMMIT");
          if (line !== "*filter") throw new LineError(`fake: table \`${line.slice(1)}' is not modelled`);
          working = cloneTable(this.tables[flavor][family]);
          if (!noflush) working = { policies: working.policies, chains: new Map(BUILTINS.map((c) => [c, []])) };
        } else if (line === "COMMIT") {
          if (!working) throw new LineError("COMMIT without a table");
          this.tables[flavor][family] = working;
          working = undefined;
        } else {
          if (!working) throw new LineError("no table opened before this line");
          if (line.startsWith(":")) declareChain(working, line);
          else this.command(working, family, tokenize(line));
        }
      } catch (e) {
        if (e instanceof LineError) return refuse(n, e.message);
        throw e;
      }
    }
    if (working) return { code: 1, stdout: "", stderr: `${banner}: COMMIT expected at line ${lines.length + 1}\n` };
    return { code: 0, stdout: "", stderr: "" };
  }

  private command(t: Table, family: FakeFamily, words: string[]): void {
    const [op, chain, ...rest] = words;
    const needChain = (c: string | undefined) => {
      if (c === undefined || !t.chains.has(c)) throw new LineError(`Couldn't find chain \`${c}'`);
      return c;
    };
    switch (op) {
      case "-A":
        t.chains.get(needChain(chain))!.push(this.parseRule(t, family, rest));
        return;
      case "-I": {
        const rules = t.chains.get(needChain(chain))!;
        let at = 1;
        if (rest[0] !== undefined && /^\d+$/.test(rest[0])) at = Number(rest.shift());
        if (at < 1 || at > rules.length + 1) throw new LineError("Index of insertion too big.");
        rules.splice(at - 1, 0, this.parseRule(t, family, rest));
        return;
      }
      case "-D": {
        const rules = t.chains.get(needChain(chain))!;
        if (rest.length === 1 && /^\d+$/.test(rest[0]!)) {
          const at = Number(rest[0]);
          if (at < 1 || at > rules.length) throw new LineError("Index of deletion too big.");
          rules.splice(at - 1, 1);
          return;
        }
        const text = this.parseRule(t, family, rest).text;
        const at = rules.findIndex((r) => r.text === text);
        if (at < 0) throw new LineError("Bad rule (does a matching rule exist in that chain?).");
        rules.splice(at, 1);
        return;
      }
      case "-N":
        if (chain === undefined) throw new LineError("-N needs a chain name");
        if (t.chains.has(chain)) throw new LineError("Chain already exists.");
        checkChainName(chain);
        t.chains.set(chain, []);
        return;
      case "-F":
        for (const c of chain === undefined ? [...t.chains.keys()] : [needChain(chain)]) t.chains.set(c, []);
        return;
      case "-X":
        for (const c of chain === undefined ? [...t.chains.keys()].filter((c) => !BUILTINS.includes(c)) : [needChain(chain)]) deleteChain(t, c);
        return;
      case "-P":
        if (!BUILTINS.includes(needChain(chain)) || !["ACCEPT", "DROP"].includes(rest[0] ?? "")) throw new LineError("Bad built-in chain name or policy");
        t.policies.set(chain!, rest[0]!);
        return;
      default:
        throw new LineError(`unknown command \`${op}'`);
    }
  }

  /** Checks a rule spec as iptables and the kernel would, and returns it in iptables-save form. */
  private parseRule(t: Table, family: FakeFamily, words: string[]): Rule {
    const out: string[] = [];
    const sets: string[] = [];
    let protocol: string | undefined;
    let module: string | undefined;
    let verdict: string | undefined;
    let target: string | undefined;
    let negate = false;
    let i = 0;
    const next = (opt: string) => {
      const w = words[i++];
      if (w === undefined) throw new LineError(`option "${opt}" requires an argument`);
      return w;
    };
    while (i < words.length) {
      const w = words[i++]!;
      if (w === "!") {
        if (negate) throw new LineError("multiple ! flags not allowed");
        negate = true;
        out.push(w);
        continue;
      }
      if (w === "-p") {
        protocol = next(w);
        if (!PROTOCOLS[family].includes(protocol)) throw new LineError(`unknown protocol "${protocol}" specified`);
        out.push(w, protocol);
      } else if (w === "-s" || w === "-d") {
        // iptables-save always prints the prefix length, host addresses included (ipset does not).
        const net = canonicalNet(next(w), family, true);
        out.push(w, net.includes("/") ? net : `${net}/${family === 4 ? 32 : 128}`);
      } else if (w === "-i" || w === "-o") {
        const name = next(w);
        if (!IFACE.test(name.replace(/\+$/, ""))) throw new LineError(`Warning: weird character in interface \`${name}'`);
        out.push(w, name);
      } else if (w === "-m") {
        module = next(w);
        if (!MATCH_OPTIONS[module]) throw new LineError(`Couldn't load match \`${module}':No such file or directory`);
        out.push(w, module);
      } else if (w === "-j" || w === "-g") {
        if (verdict) throw new LineError("multiple -j/-g flags not allowed");
        verdict = next(w);
        if (w === "-g" || !TARGETS.has(verdict)) {
          if (BUILTINS.includes(verdict) || !t.chains.has(verdict)) throw new LineError(`Couldn't load target \`${verdict}':No such file or directory`);
          target = verdict;
        }
        module = undefined;
        out.push(w, verdict);
      } else if (w.startsWith("--")) {
        const owner = verdict ? TARGET_OPTIONS[verdict] : module ? MATCH_OPTIONS[module] : undefined;
        const arity = owner?.[w];
        if (arity === undefined) throw new LineError(`unknown option "${w}"`);
        const values = Array.from({ length: arity }, () => next(w));
        this.checkOption(w, values, { family, protocol, sets });
        out.push(w, ...(w === "--comment" || w === "--log-prefix" || w === "--nflog-prefix" ? values.map(saveString) : values));
      } else {
        throw new LineError(`Bad argument \`${w}'`);
      }
      negate = false;
    }
    if (negate) throw new LineError("! at the end of the rule");
    return { text: out.join(" "), sets, ...(target ? { target } : {}) };
  }

  private checkOption(opt: string, values: string[], ctx: { family: FakeFamily; protocol: string | undefined; sets: string[] }): void {
    const v = values[0]!;
    switch (opt) {
      case "--match-set": {
        const set = this.sets.get(v);
        if (!set) throw new LineError(`Set ${v} doesn't exist.`);
        if (set.family !== (ctx.family === 4 ? "inet" : "inet6")) throw new LineError(`The protocol family of set ${v} is incompatible`);
        const dirs = values[1]!.split(",");
        if (dirs.some((d) => d !== "src" && d !== "dst")) throw new LineError(`You must specify (the comma separated list of) 'src' or 'dst'.`);
        if (dirs.length !== SET_DIMENSIONS[set.type]) throw new LineError(`fake: set ${v} (${set.type}) matched with ${dirs.length} directions`);
        ctx.sets.push(v);
        return;
      }
      case "--icmpv6-type": {
        if (ctx.family !== 6 || ctx.protocol !== "ipv6-icmp") throw new LineError("icmp6 match needs `-p ipv6-icmp' in ip6tables");
        if (!/^\d+$/.test(v) || Number(v) > 255) throw new LineError(`invalid ICMPv6 type \`${v}'`);
        return;
      }
      case "--dports":
      case "--sports":
      case "--ports": {
        if (!["tcp", "udp", "sctp"].includes(ctx.protocol ?? "")) throw new LineError("multiport needs `-p tcp', `-p udp', `-p udplite', `-p sctp' or `-p dccp'");
        let slots = 0;
        for (const p of v.split(",")) {
          const m = /^(\d+)(?::(\d+))?$/.exec(p);
          if (!m || Number(m[1]) > 65535 || (m[2] !== undefined && (Number(m[2]) > 65535 || Number(m[2]) < Number(m[1])))) throw new LineError(`invalid port/service \`${p}' specified`);
          slots += m[2] === undefined ? 1 : 2;
        }
        if (slots > 15) throw new LineError("too many ports specified");
        return;
      }
      case "--ctstate":
      case "--state":
        for (const s of v.split(",")) if (!CTSTATES.has(s)) throw new LineError(`Bad ctstate "${s}"`);
        return;
      case "--comment":
        if (v.length > 255) throw new LineError("COMMENT must be shorter than 256 characters");
        return;
      case "--log-prefix":
        if (v.length > 29) throw new LineError("Maximum prefix length 29 for --log-prefix");
        if (/\n/.test(v)) throw new LineError("Newlines not allowed in --log-prefix");
        return;
      case "--nflog-prefix":
        if (v.length > 63) throw new LineError("Maximum prefix length 63 for --nflog-prefix");
        if (/\n/.test(v)) throw new LineError("Newlines not allowed in --nflog-prefix");
        return;
      case "--nflog-group":
        if (!/^\d+$/.test(v) || Number(v) > 65535) throw new LineError(`--nflog-group: invalid value ${v}`);
        return;
      case "--limit":
        if (!/^\d+\/(sec|second|min|minute|hour|day)$/.test(v)) throw new LineError(`bad rate "${v}"'`);
        return;
      case "--reject-with":
        if (!REJECT_WITH[ctx.family].includes(v)) throw new LineError(`unknown reject type "${v}"`);
        if (v === "tcp-reset" && ctx.protocol !== "tcp") throw new LineError("TCP_RESET invalid for non-tcp");
        return;
      default:
        return;
    }
  }

  // ---- ipset ----

  private ipset(args: string[], input: string, fail?: FailSpec): RunResult {
    const exist = args.includes("-exist") || args.includes("-!");
    const rest = args.filter((a) => a !== "-exist" && a !== "-!");
    if (rest[0] === "save" && rest.length === 1) return { code: 0, stdout: this.ipsetSave(), stderr: "" };
    if (rest[0] === "restore" && rest.length === 1) return this.ipsetRestore(input, exist, fail);
    try {
      this.ipsetLine(rest, exist);
      return { code: 0, stdout: "", stderr: "" };
    } catch (e) {
      if (e instanceof LineError) return { code: 1, stdout: "", stderr: `ipset v7.19: ${e.message}\n` };
      throw e;
    }
  }

  private ipsetRestore(input: string, exist: boolean, fail?: FailSpec): RunResult {
    const lines = input.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const refuse = (message: string): RunResult => ({ code: 1, stdout: "", stderr: `ipset v7.19: Error in line ${i + 1}: ${message}\n` });
      if (fail?.line?.test(line)) return refuse(fail.message ?? "injected failure");
      if (line.trim() === "" || line.trim() === "COMMIT") continue;
      try {
        this.ipsetLine(line.trim().split(/\s+/), exist);
      } catch (e) {
        if (e instanceof LineError) return refuse(e.message);
        throw e;
      }
    }
    return { code: 0, stdout: "", stderr: "" };
  }

  private ipsetLine(words: string[], globalExist: boolean): void {
    const exist = globalExist || words.includes("-exist") || words.includes("-!");
    const [verb, name, ...rest] = words.filter((w) => w !== "-exist" && w !== "-!");
    const need = (n: string | undefined) => {
      const s = n === undefined ? undefined : this.sets.get(n);
      if (!s) throw new LineError("The set with the given name does not exist");
      return s;
    };
    if (name !== undefined && name.length > 31) throw new LineError(`Syntax error: setname '${name}' is longer than 31 characters`);
    switch (verb) {
      case "create": {
        if (name === undefined || rest[0] === undefined) throw new LineError("Syntax error: create needs a name and a type");
        const type = rest[0];
        if (!SET_DIMENSIONS[type]) throw new LineError(`Syntax error: Unknown settype ${type}`);
        const opts = new Map<string, string>();
        for (let i = 1; i < rest.length; i += 2) opts.set(rest[i]!, rest[i + 1] ?? "");
        for (const k of opts.keys()) if (!["family", "hashsize", "maxelem"].includes(k)) throw new LineError(`Syntax error: Unknown argument ${k}`);
        const family = opts.get("family") ?? "inet";
        if (family !== "inet" && family !== "inet6") throw new LineError(`Syntax error: unknown family ${family}`);
        const set: FakeSet = { type, family, hashsize: Number(opts.get("hashsize") ?? 1024), maxelem: Number(opts.get("maxelem") ?? 65536), members: new Set() };
        const old = this.sets.get(name);
        if (old) {
          const same = old.type === set.type && old.family === set.family && old.hashsize === set.hashsize && old.maxelem === set.maxelem;
          if (exist && same) return;
          throw new LineError("Set cannot be created: set with the same name already exists");
        }
        this.sets.set(name, set);
        return;
      }
      case "add":
      case "del": {
        const set = need(name);
        const member = canonicalMember(rest[0] ?? "", set);
        if (verb === "add") {
          if (set.members.has(member) && !exist) throw new LineError("Element cannot be added to the set: it's already added");
          if (set.members.size >= set.maxelem) throw new LineError("Hash is full, cannot add more elements");
          set.members.add(member);
        } else {
          if (!set.members.has(member) && !exist) throw new LineError("Element cannot be deleted from the set: it's not added");
          set.members.delete(member);
        }
        return;
      }
      case "flush":
        for (const s of name === undefined ? [...this.sets.values()] : [need(name)]) s.members.clear();
        return;
      case "destroy":
        for (const n of name === undefined ? [...this.sets.keys()] : [name]) {
          need(n);
          if (this.setInUse(n)) throw new LineError("Set cannot be destroyed: it is in use by a kernel component");
          this.sets.delete(n);
        }
        return;
      case "swap": {
        const a = need(name);
        const other = rest[0];
        const b = need(other);
        if (a.type !== b.type || a.family !== b.family) throw new LineError("The sets cannot be swapped: their type does not match");
        this.sets.set(name!, b);
        this.sets.set(other!, a);
        return;
      }
      default:
        throw new LineError(`Syntax error: unknown command ${verb}`);
    }
  }

  private setInUse(name: string): boolean {
    for (const flavor of ["legacy", "nft"] as const) {
      for (const family of [4, 6] as const) {
        for (const rules of this.tables[flavor][family].chains.values()) if (rules.some((r) => r.sets.includes(name))) return true;
      }
    }
    return false;
  }

  private ipsetSave(): string {
    const lines: string[] = [];
    for (const [name, s] of this.sets) {
      const initval = [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7).toString(16).padStart(8, "0");
      lines.push(`create ${name} ${s.type} family ${s.family} hashsize ${s.hashsize} maxelem ${s.maxelem} bucketsize 12 initval 0x${initval}`);
      // The kernel lists members in hash order; reversed sorting makes sure callers do not rely on any order.
      for (const m of [...s.members].sort().reverse()) lines.push(`add ${name} ${m}`);
    }
    return lines.join("\n") + (lines.length ? "\n" : "");
  }
}

function checkChainName(name: string): void {
  if (name.length > 28) throw new LineError(`chain name \`${name}' too long (must be under 29 chars)`);
  if (TARGETS.has(name) || /^[-!]/.test(name) || !/^\S+$/.test(name)) throw new LineError(`Invalid chain name \`${name}'`);
}

/** `:name policy [p:b]`: sets a built-in chain's policy; creates a user chain, or (in --noflush mode) empties it. */
function declareChain(t: Table, line: string): void {
  const m = /^:(\S+) (\S+)(?: \[\d+:\d+\])?$/.exec(line);
  if (!m) throw new LineError(`Bad chain declaration \`${line}'`);
  const [, name, policy] = m as unknown as [string, string, string];
  if (BUILTINS.includes(name)) {
    if (policy !== "ACCEPT" && policy !== "DROP") throw new LineError(`Can't set policy \`${policy}' on \`${name}'`);
    t.policies.set(name, policy);
    return;
  }
  if (policy !== "-") throw new LineError(`Can't set policy \`${policy}' on user chain \`${name}'`);
  checkChainName(name);
  t.chains.set(name, []);
}

function deleteChain(t: Table, name: string): void {
  if (BUILTINS.includes(name)) throw new LineError("Can't delete built-in chain");
  for (const [chain, rules] of t.chains) {
    if (rules.some((r) => r.target === name)) throw new LineError(`Too many links: chain ${name} is referenced from ${chain}`);
  }
  if (t.chains.get(name)!.length) throw new LineError(`Directory not empty: chain ${name} has rules`);
  t.chains.delete(name);
}

/** An address or prefix as ipset and iptables print it: the network address, host prefixes bare. */
function canonicalNet(text: string, family: FakeFamily, allowZero = false): string {
  const [addr, prefixText] = text.split("/") as [string, string | undefined];
  const valid = family === 4 ? ipaddr.IPv4.isValidFourPartDecimal(addr) : addr.includes(":") && ipaddr.IPv6.isValid(addr);
  if (!valid) throw new LineError(`Syntax error: cannot parse ${text}: resolving to IPv${family} address failed`);
  const max = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : /^\d+$/.test(prefixText) ? Number(prefixText) : -1;
  if (prefix < (allowZero ? 0 : 1) || prefix > max) throw new LineError("The value of the CIDR parameter of the IP address is invalid");
  const network = (family === 4 ? ipaddr.IPv4 : ipaddr.IPv6).networkAddressFromCIDR(`${addr}/${prefix}`).toString();
  return prefix === max ? network : `${network}/${prefix}`;
}

function canonicalMember(text: string, set: FakeSet): string {
  const family: FakeFamily = set.family === "inet" ? 4 : 6;
  const [net, second, ...more] = text.split(",");
  if (more.length || (SET_DIMENSIONS[set.type] === 2) !== (second !== undefined)) throw new LineError(`Syntax error: Elem separator in ${text}, but settype ${set.type} supports none.`);
  const address = canonicalNet(net!, family);
  if (set.type === "hash:net,iface") {
    const iface = second!.replace(/^physdev:/, "");
    if (!IFACE.test(iface)) throw new LineError(`Syntax error: Invalid interface name ${second}`);
    return `${address},${second}`;
  }
  if (set.type === "hash:net,port") {
    const m = /^(?:(tcp|udp|sctp):)?(\d+)$/.exec(second!);
    if (!m || Number(m[2]) > 65535) throw new LineError(`Syntax error: cannot parse '${second}' as a port`);
    return `${address},${m[1] ?? "tcp"}:${m[2]}`;
  }
  return address;
}

// ---- nftables ----
//
// What it models: tables of any family holding sets (declaration lines and elements) and chains (rule
// lines, kept as given), changed by `nft -f` transactions (all or nothing: tables, `add`/`flush chain`,
// elements), and read back by `nft list`.
// It checks what the kernel would refuse of moat's output: a jump or goto to a chain or a lookup of a set
// that does not exist, an element that is not of its set's type, deleting a table or element that is
// not there, an unterminated block. Whether a rule's syntax is right is the real `nft -c`'s job: the
// render tests run it where nft exists.

interface NftSetState {
  decl: string[];
  elements: Set<string>;
}

interface NftTableState {
  sets: Map<string, NftSetState>;
  chains: Map<string, string[]>;
}

class NftError extends Error {}

const cloneNft = (t: Map<string, NftTableState>) =>
  new Map([...t].map(([k, v]) => [k, { sets: new Map([...v.sets].map(([n, s]) => [n, { decl: [...s.decl], elements: new Set(s.elements) }])), chains: new Map([...v.chains].map(([n, r]) => [n, [...r]])) }]));

function checkElement(set: NftSetState, element: string, name: string, tables?: NftTableState): void {
  const [keyType, valueType] = (set.decl.find((d) => d.startsWith("type "))?.slice(5) ?? "").split(" : ");
  const [key, value] = element.split(" : ");
  if ((valueType === undefined) !== (value === undefined)) throw new NftError(`Error: element ${element} does not match map/set ${name}`);
  if (valueType === "verdict") {
    const m = /^(jump|goto) ([\w-]+)$/.exec(value!);
    if (!m && !["accept", "drop", "return"].includes(value!)) throw new NftError(`Error: ${value} is not a verdict`);
    if (m && tables && !tables.chains.has(m[2]!)) throw new NftError(`Error: Could not process rule: No such file or directory (chain ${m[2]})`);
  }
  element = key!;
  const type = keyType!;
  const parts = element.split(" . ");
  const types = type.split(" . ");
  if (parts.length !== types.length) throw new NftError(`Error: element ${element} does not match the type of set ${name} (${type})`);
  types.forEach((t, i) => {
    const v = parts[i]!;
    const ok =
      t === "ipv4_addr" ? /^[\d.]+(\/\d+)?$/.test(v) && ipaddr.IPv4.isValid(v.split("/")[0]!) :
      t === "ipv6_addr" ? v.includes(":") && ipaddr.IPv6.isValid(v.split("/")[0]!) :
      t === "ifname" ? /^"[^"]{1,15}"$/.test(v) :
      t === "inet_proto" ? /^(tcp|udp|sctp|icmp|ipv6-icmp)$/.test(v) :
      t === "inet_service" ? /^\d+$/.test(v) && Number(v) < 65536 :
      t === "mark" ? /^0x[0-9a-f]{1,8}$/.test(v) : false;
    if (!ok) throw new NftError(`Error: Could not resolve ${v} as ${t} in set ${name}`);
    if (v.includes("/") && !set.decl.includes("flags interval")) throw new NftError(`Error: You must add 'flags interval' to set ${name} to hold the prefix ${v}`);
  });
}

export class FakeNft {
  tables = new Map<string, NftTableState>();

  run(args: string[], input: string, iptablesNft: FakeFamily[]): RunResult {
    const ok = (stdout = ""): RunResult => ({ code: 0, stdout, stderr: "" });
    const missing = (what: string): RunResult => ({ code: 1, stdout: "", stderr: `Error: No such file or directory\n${what}\n` });
    const terse = args[0] === "-t";
    const a = terse ? args.slice(1) : args;
    const line = a.join(" ");
    if (line === "-f -" || line === "-c -f -") return this.transaction(input, a[0] === "-c");
    if (a[0] === "list" && a[1] === "tables") {
      const names = [...(a[2] && a[2] !== "ip" && a[2] !== "ip6" ? [] : iptablesNft.map((f) => `table ${f === 4 ? "ip" : "ip6"} filter`)), ...[...this.tables.keys()].filter((k) => !a[2] || k.startsWith(`${a[2]} `)).map((k) => `table ${k}`)];
      return ok(names.map((n) => `${n}\n`).join(""));
    }
    if (a[0] === "list" && a[1] === "table") {
      const t = this.tables.get(`${a[2]} ${a[3]}`);
      return t ? ok(this.print(`${a[2]} ${a[3]}`, t, terse)) : missing(line);
    }
    if (a[0] === "list" && a[1] === "chain") {
      const t = this.tables.get(`${a[2]} ${a[3]}`);
      const c = t?.chains.get(a[4]!);
      return c ? ok(`table ${a[2]} ${a[3]} {\n\tchain ${a[4]} {\n${c.map((r) => `\t\t${r}\n`).join("")}\t}\n}\n`) : missing(line);
    }
    if (a[0] === "list" && a[1] === "set") {
      const s = this.tables.get(`${a[2]} ${a[3]}`)?.sets.get(a[4]!);
      return s ? ok(`table ${a[2]} ${a[3]} {\n${this.printSet(a[4]!, s, false)}}\n`) : missing(line);
    }
    if (a[0] === "list" && a[1] === "sets") {
      return ok([...this.tables].filter(([k]) => !a[2] || k.startsWith(`${a[2]} `)).map(([k, t]) => `table ${k} {\n${[...t.sets].map(([n, s]) => this.printSet(n, s, true)).join("")}}\n`).join(""));
    }
    return { code: 1, stdout: "", stderr: `fake: nft ${line} is not modelled\n` };
  }

  private printSet(name: string, s: NftSetState, terse: boolean): string {
    const els = [...s.elements].sort().reverse();
    return `\t${s.decl.some((d) => d.startsWith("type ") && d.includes(" : ")) ? "map" : "set"} ${name} {\n${s.decl.map((d) => `\t\t${d}\n`).join("")}${!terse && els.length ? `\t\telements = { ${els.join(",\n\t\t\t     ")} }\n` : ""}\t}\n`;
  }

  print(key: string, t: NftTableState, terse = false): string {
    return `table ${key} {\n${[...t.sets].map(([n, s]) => this.printSet(n, s, terse)).join("\n")}${[...t.chains].map(([n, rules]) => `\tchain ${n} {\n${rules.map((r) => `\t\t${r}\n`).join("")}\t}\n`).join("\n")}}\n`;
  }

  /** The whole ruleset as `nft list ruleset` would print it: for byte-identity checks. */
  ruleset(): string {
    return [...this.tables].map(([k, t]) => this.print(k, t)).join("");
  }

  private transaction(input: string, check: boolean): RunResult {
    const work = cloneNft(this.tables);
    const lines = input.split("\n");
    let n = 0;
    try {
      for (; n < lines.length; n++) {
        const l = lines[n]!.trim();
        if (!l || l.startsWith("#")) continue;
        let m: RegExpExecArray | null;
        if ((m = /^(?:add )?table (\w+) ([\w-]+)$/.exec(l))) {
          if (!work.has(`${m[1]} ${m[2]}`)) work.set(`${m[1]} ${m[2]}`, { sets: new Map(), chains: new Map() });
        } else if ((m = /^delete table (\w+) ([\w-]+)$/.exec(l))) {
          if (!work.delete(`${m[1]} ${m[2]}`)) throw new NftError("Error: Could not process rule: No such file or directory");
        } else if ((m = /^table (\w+) ([\w-]+) \{$/.exec(l))) {
          const key = `${m[1]} ${m[2]}`;
          if (!work.has(key)) work.set(key, { sets: new Map(), chains: new Map() });
          n = this.block(work.get(key)!, lines, n + 1);
        } else if ((m = /^add chain (\w+) ([\w-]+) ([\w-]+)$/.exec(l))) {
          const t = work.get(`${m[1]} ${m[2]}`);
          if (!t) throw new NftError("Error: Could not process rule: No such file or directory");
          if (!t.chains.has(m[3]!)) t.chains.set(m[3]!, []);
        } else if ((m = /^flush chain (\w+) ([\w-]+) ([\w-]+)$/.exec(l))) {
          const t = work.get(`${m[1]} ${m[2]}`);
          const c = t?.chains.get(m[3]!);
          if (!c) throw new NftError("Error: Could not process rule: No such file or directory");
          // A base chain keeps its hook: only rules go.
          t!.chains.set(m[3]!, c.filter((r) => r.startsWith("type ")));
        } else if ((m = /^(add|delete) element (\w+) ([\w-]+) ([\w-]+) \{ (.*) \}$/.exec(l))) {
          const set = work.get(`${m[2]} ${m[3]}`)?.sets.get(m[4]!);
          if (!set) throw new NftError(`Error: No such file or directory; did you mean set ‘${m[4]}’?`);
          for (const e of m[5]!.split(",").map((x) => x.trim())) {
            if (m[1] === "add") checkElement(set, e, m[4]!);
            if (m[1] === "add") set.elements.add(e);
            else {
              const have = [...set.elements].find((x) => x === e || x.split(" : ")[0] === e);
              if (have === undefined) throw new NftError("Error: Could not process rule: No such file or directory");
              set.elements.delete(have);
            }
          }
        } else throw new NftError("Error: syntax error (not modelled by the fake)");
      }
      for (const [key, t] of work) {
        for (const [name, set] of t.sets) for (const e of set.elements) if (e.includes(" : ")) checkElement(set, e, name, t);
        for (const [chain, rules] of t.chains) {
          for (const r of rules) {
            for (const ref of r.matchAll(/@([\w-]+)/g)) if (!t.sets.has(ref[1]!)) throw new NftError(`Error: Could not process rule: No such file or directory (set ${ref[1]} in chain ${chain} of ${key})`);
            const target = /\b(?:jump|goto) ([\w-]+)/.exec(r)?.[1];
            if (target && !t.chains.has(target)) throw new NftError(`Error: Could not process rule: No such file or directory (chain ${target})`);
          }
        }
      }
    } catch (e) {
      if (!(e instanceof NftError)) throw e;
      return { code: 1, stdout: "", stderr: `/dev/stdin:${n + 1}:1-1: ${e.message}\n` };
    }
    if (!check) this.tables = work;
    return { code: 0, stdout: "", stderr: "" };
  }

  /** Reads `set`/`chain` blocks up to the table's closing brace; returns the index of that line. */
  private block(t: NftTableState, lines: string[], start: number): number {
    let i = start;
    for (; i < lines.length; i++) {
      const l = lines[i]!.trim();
      if (!l) continue;
      if (l === "}") return i;
      const m = /^(set|map|chain) ([\w-]+) \{$/.exec(l);
      if (!m) throw new NftError(`Error: syntax error, unexpected ${l.split(" ")[0]}`);
      const body: string[] = [];
      for (i++; i < lines.length && lines[i]!.trim() !== "}"; i++) if (lines[i]!.trim()) body.push(lines[i]!.trim());
      if (i >= lines.length) throw new NftError("Error: syntax error, unexpected end of file");
      if (m[1] === "chain") t.chains.set(m[2]!, body);
      else {
        const set: NftSetState = { decl: body.filter((b) => !b.startsWith("elements = ")), elements: new Set() };
        const els = body.find((b) => b.startsWith("elements = "));
        if (els) for (const e of els.replace(/^elements = \{ /, "").replace(/ \}$/, "").split(",").map((x) => x.trim())) {
          checkElement(set, e, m[2]!);
          set.elements.add(e);
        }
        t.sets.set(m[2]!, set);
      }
    }
    throw new NftError("Error: syntax error, unexpected end of file");
  }
}
