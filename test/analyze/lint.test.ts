import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { analyze, lintRuleset, type Finding } from "../../src/analyze/index.js";
import { run, runOnDisk } from "../cli/fake-io.js";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
const lint = (files: Record<string, string>) => lintRuleset(analyze(Object.entries(files).map(([file, text]) => ({ file, text }))));
const codes = (f: Finding[]) => f.map((x) => `${x.line} ${x.code}`);

describe("moat lint on the seeds", () => {
  it("seed 000 (DC/OS) verbatim: the empty overlays set, the three rules after the REJECT, the CIDR typo", () => {
    const findings = lint({ "rules.sh": fixture("dcos-seed-000.sh") });
    expect(codes(findings)).toEqual(["15 empty-set", "16 unreachable-rule", "18 unreachable-rule", "19 unreachable-rule", "23 bad-address", "28 skipped-command"]);
    for (const f of findings.filter((x) => x.code === "unreachable-rule")) expect(f.message).toContain("line 6");
    expect(findings[0]!.message).toContain("overlays");
    expect(findings.find((f) => f.code === "bad-address")!.message).toContain("192.168.0.0./16");
    expect(findings.map((f) => f.severity)).toEqual(["warning", "error", "error", "error", "error", "info"]);
  });

  it("seed 001 (oVirt) FORWARD dump: the DROP after the catch-all REJECT, and ovritmgmt for ovirtmgmt", () => {
    const findings = lint({ "ovirt.rules": fixture("ovirt-seed-001.rules") });
    const unreachable = findings.filter((f) => f.code === "unreachable-rule");
    expect(codes(unreachable)).toEqual(["10 unreachable-rule"]);
    expect(unreachable[0]!.message).toContain("line 9");
    const similar = findings.filter((f) => f.code === "similar-interface");
    expect(codes(similar)).toEqual(["10 similar-interface"]);
    expect(similar[0]!.message).toMatch(/ovritmgmt .*ovirtmgmt/);
    // The excerpt leaves out firewalld's -N lines: the chains it jumps to without a rule of their own are undefined in it.
    expect(findings.filter((f) => f.code === "undefined-chain").map((f) => f.line)).toEqual([3, 4, 6, 12, 17, 18, 19, 21, 22, 23, 24, 25]);
  });
});

describe("moat lint: no false positives on clean real-world dumps", () => {
  it.each([["docker.save"], ["firewalld.rules"], ["firewalld6.save"], ["cloudfoundry.save"], ["kube-proxy.save"]])("%s has zero findings", (name) => {
    expect(lint({ [name]: fixture(name) })).toEqual([]);
  });

  it("all four as one ruleset: still zero findings", () => {
    const files = Object.fromEntries(["docker.save", "firewalld6.save", "cloudfoundry.save"].map((n) => [n, fixture(n)]));
    expect(lint(files)).toEqual([]);
  });

  const EXAMPLES: [string, string][] = [
    ["bridge-isolation.yaml", "host-1"],
    ["calico-rkt.yaml", "calico-01"],
    ["calico-rkt.yaml", "calico-02"],
    ["cloudfoundry-c2c.yaml", "cell-1"],
    ["cloudfoundry-c2c.yaml", "cell-2"],
    ["dcos-overlays.yaml", "agent-1"],
    ["dcos-overlays.yaml", "agent-2"],
    ["rancher-label-isolation.yaml", "rancher-1"],
    ["rancher-stack-isolation.yaml", "rancher-1"],
  ];
  it.each(EXAMPLES)("moat compile --backend iptables -o text of %s for %s lints clean", async (example, node) => {
    const compiled = await runOnDisk(["compile", "-f", new URL(`../../examples/${example}`, import.meta.url).pathname, "--node", node, "-o", "text", "--backend", "iptables"]);
    expect(compiled.code).toBe(0);
    const r = await run(["lint", "-f", "compiled.txt"], { "compiled.txt": compiled.out });
    expect(r).toMatchObject({ code: 0, out: "", err: "" });
    const rs = analyze([{ file: "compiled.txt", text: compiled.out }]);
    // Both families were read, with moat's chains in each.
    expect(rs.tables[4].get("filter")!.chains.get("FORWARD")!.rules).toHaveLength(1);
    expect(rs.tables[6].get("filter")!.chains.get("FORWARD")!.rules).toHaveLength(1);
  });
});

describe("moat lint: each code", () => {
  it("bad-address in a rule and in a set member; the rule is left out", () => {
    const rs = analyze([{ file: "a.sh", text: "ipset create s hash:net\nipset add s 10.0.0.300/8\niptables -A FORWARD -s 10.1.0.0/33 -j DROP\niptables -A FORWARD -d 2001:db8::/64 -j DROP\n" }]);
    expect(codes(lintRuleset(rs))).toEqual(["2 bad-address", "3 bad-address", "4 bad-address"]);
    expect(rs.tables[4].get("filter")!.chains.get("FORWARD")!.rules).toEqual([]);
  });

  it("host-bits names the network the kernel uses", () => {
    const f = lint({ "a.sh": "iptables -A FORWARD -s 10.0.0.1/8 -j DROP\nipset create s hash:net\nipset add s 192.168.1.7/16\n" });
    expect(codes(f)).toEqual(["1 host-bits", "3 host-bits"]);
    expect(f[0]!.message).toContain("10.0.0.0/8");
    expect(f[1]!.message).toContain("192.168.0.0/16");
  });

  it.each([
    ["catch-all", "-A FORWARD -j ACCEPT\n-A FORWARD -s 10.0.0.0/8 -j DROP", true],
    ["wider CIDR", "-A FORWARD -s 10.0.0.0/8 -j DROP\n-A FORWARD -s 10.1.0.0/16 -p tcp -j ACCEPT", true],
    ["narrower CIDR first", "-A FORWARD -s 10.1.0.0/16 -j DROP\n-A FORWARD -s 10.0.0.0/8 -j ACCEPT", false],
    ["protocol and ports", "-A FORWARD -p tcp -m multiport --dports 80,443,8000:9000 -j ACCEPT\n-A FORWARD -p tcp -m tcp --dport 8080 -j DROP", true],
    ["other protocol", "-A FORWARD -p tcp --dport 80 -j ACCEPT\n-A FORWARD -p udp --dport 80 -j DROP", false],
    ["negated port", "-A FORWARD -p tcp ! --dport 22 -j DROP\n-A FORWARD -p tcp --dport 80 -j ACCEPT", true],
    ["interface wildcard", "-A FORWARD -i veth+ -j DROP\n-A FORWARD -i veth12 -o eth0 -j ACCEPT", true],
    ["negated interface", "-A FORWARD ! -o docker0 -j ACCEPT\n-A FORWARD -i docker0 -o eth0 -j DROP", true],
    ["conntrack states", "-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A FORWARD -m state --state ESTABLISHED -j DROP", true],
    ["a goto is terminal", "-N X\n-A FORWARD -g X\n-A FORWARD -j DROP", true],
    ["a jump is not", "-N X\n-A FORWARD -j X\n-A FORWARD -j DROP", false],
    ["a LOG is not", "-A FORWARD -j LOG\n-A FORWARD -j DROP", false],
    ["a rate limit is not a catch-all", "-A FORWARD -m limit --limit 5/min -j ACCEPT\n-A FORWARD -j DROP", false],
    ["RETURN", "-N X\n-A FORWARD -j X\n-A X -j RETURN\n-A X -s 10.0.0.1 -j DROP", true],
    ["a set that holds the address", "-A FORWARD -m set --match-set big src -j ACCEPT\n-A FORWARD -s 10.1.2.0/24 -j DROP", true],
    ["a set inside a wider set", "-A FORWARD -m set --match-set big src -j ACCEPT\n-A FORWARD -m set --match-set small src -j DROP", true],
    ["the same set the other way", "-A FORWARD -m set --match-set big src -j ACCEPT\n-A FORWARD -m set --match-set big dst -j DROP", false],
  ])("unreachable-rule: %s", (_, rules, unreachable) => {
    const sets = "create big hash:net family inet\nadd big 10.0.0.0/8\ncreate small hash:net family inet\nadd small 10.1.0.0/16\n";
    const f = lint({ "r.rules": `${sets}${rules}\n` }).filter((x) => x.code === "unreachable-rule");
    const last = sets.split("\n").length - 1 + rules.split("\n").length;
    expect(codes(f)).toEqual(unreachable ? [`${last} unreachable-rule`] : []);
    if (unreachable) expect(f[0]!.message).toMatch(/the rule at line \d+/);
  });

  it("unreachable-rule names the earlier rule's file when it is in another file", () => {
    const f = lint({ "a.rules": "-A FORWARD -j DROP\n", "b.rules": "-A FORWARD -p tcp -j ACCEPT\n" });
    expect(f).toEqual([expect.objectContaining({ file: "b.rules", line: 1, code: "unreachable-rule", message: expect.stringContaining("a.rules:1") })]);
  });

  it("undefined-chain for -j and -g to a chain never created; targets and extensions are not chains", () => {
    const f = lint({ "a.sh": "iptables -A FORWARD -j nowhere\niptables -A FORWARD -g elsewhere\niptables -A FORWARD -j LOG --log-prefix x\niptables -A FORWARD -j NFLOG --nflog-group 5\niptables -t nat -A POSTROUTING -j MASQUERADE\n" });
    expect(codes(f)).toEqual(["1 undefined-chain", "2 undefined-chain"]);
    expect(f[0]!.message).toContain("nowhere");
  });

  it("undefined-set for --match-set and for ipset add", () => {
    const f = lint({ "a.sh": "ipset add ghosts 10.0.0.1\niptables -A FORWARD -m set --match-set phantoms src -j DROP\n" });
    expect(codes(f)).toEqual(["1 undefined-set", "2 undefined-set"]);
  });

  it("empty-set on each rule that matches the empty set, not where it is created; a negated match is not reported", () => {
    const f = lint({ "a.sh": "ipset create e hash:net\niptables -A FORWARD -m set --match-set e src -j DROP\niptables -A FORWARD -m set ! --match-set e dst -j ACCEPT\niptables -A INPUT -m set --match-set e dst -j DROP\n" });
    expect(codes(f)).toEqual(["2 empty-set", "4 empty-set"]);
  });

  it("unreferenced-chain on the -N or :CHAIN line; a chain reached only by -g is referenced; an empty one (a canary) is not reported", () => {
    expect(codes(lint({ "a.sh": "iptables -N lonely\niptables -N gone-to\niptables -A FORWARD -g gone-to\niptables -A lonely -j DROP\niptables -N canary\n" }))).toEqual(["1 unreferenced-chain"]);
    expect(codes(lint({ "a.save": "*filter\n:FORWARD ACCEPT [0:0]\n:orphan - [0:0]\n-A orphan -j DROP\nCOMMIT\n" }))).toEqual(["3 unreferenced-chain"]);
  });

  it("similar-interface: one edit or one transposition, on the rarer name's line; numbered siblings are not typos", () => {
    const f = lint({ "a.rules": "-A FORWARD -i wan0 -j ACCEPT\n-A FORWARD -o wan0 -j ACCEPT\n-A FORWARD -i wna0 -j DROP\n-A FORWARD -i eth0 -j DROP\n-A FORWARD -i eth1 -j DROP\n-A FORWARD -i veth-a1 -o veth-a2 -j DROP\n" });
    expect(codes(f)).toEqual(["3 similar-interface"]);
    expect(f[0]!.message).toContain("wan0");
    expect(codes(lint({ "b.rules": "-A FORWARD -i br-lan -j ACCEPT\n-A FORWARD -o br-lan -j DROP\n-A FORWARD -i br-lab -j DROP\n" }))).toEqual(["3 similar-interface"]);
  });

  it("other commands in a script are info and skipped; a script without -P keeps ACCEPT", () => {
    const rs = analyze([{ file: "a.sh", text: "#!/bin/bash\nset -e\nmodprobe br_netfilter\nsudo iptables -w -A FORWARD -j ACCEPT\n" }]);
    expect(codes(lintRuleset(rs))).toEqual(["2 skipped-command", "3 skipped-command"]);
    expect(rs.tables[4].get("filter")!.chains.get("FORWARD")!.policy).toBe("ACCEPT");
  });
});

describe("moat lint: the command", () => {
  const SEED = { "rules.sh": fixture("dcos-seed-000.sh") };

  it("text: one finding a line, file:line: severity: message [code]; exit 1", async () => {
    const r = await run(["lint", "-f", "rules.sh"], SEED);
    expect(r.code).toBe(1);
    const lines = r.out.trimEnd().split("\n");
    expect(lines).toHaveLength(6);
    for (const l of lines) expect(l).toMatch(/^rules\.sh:\d+: (error|warning|info): .+ \[[a-z-]+\]$/);
    expect(lines[1]).toMatch(/^rules\.sh:16: error: .*line 6.* \[unreachable-rule\]$/);
  });

  it("-o json: exactly {findings:[{file,line,code,severity,message}]}", async () => {
    const r = await run(["lint", "-f", "rules.sh", "-o", "json"], SEED);
    expect(r.code).toBe(1);
    const parsed = JSON.parse(r.out) as { findings: Record<string, unknown>[] };
    expect(Object.keys(parsed)).toEqual(["findings"]);
    for (const f of parsed.findings) expect(Object.keys(f)).toEqual(["file", "line", "code", "severity", "message"]);
    expect(parsed.findings[0]).toMatchObject({ file: "rules.sh", line: 15, code: "empty-set", severity: "warning" });
  });

  it("exit 0 and nothing printed when clean; info alone does not fail", async () => {
    expect(await run(["lint", "-f", "d"], { d: fixture("docker.save") })).toMatchObject({ code: 0, out: "" });
    const info = await run(["lint", "-f", "s.sh"], { "s.sh": "set -e\niptables -A FORWARD -j ACCEPT\n" });
    expect(info.code).toBe(0);
    expect(info.out).toContain("[skipped-command]");
    expect(JSON.parse((await run(["lint", "-f", "d", "-o", "json"], { d: fixture("docker.save") })).out)).toEqual({ findings: [] });
  });

  it("several files are repeated -f flags and form one ruleset", async () => {
    const r = await run(["lint", "-f", "sets.save", "-f", "rules.save", "-o", "json"], {
      "sets.save": "create it hash:net family inet hashsize 1024 maxelem 65536\nadd it 10.250.0.0/16\n",
      "rules.save": "*filter\n:FORWARD DROP [0:0]\n-A FORWARD -m set --match-set it dst -j ACCEPT\nCOMMIT\n",
    });
    expect(r).toMatchObject({ code: 0 });
    expect(JSON.parse(r.out)).toEqual({ findings: [] });
  });

  it.each([
    ["a file that cannot be read", ["lint", "-f", "missing.txt"], {}, /cannot read missing\.txt/],
    ["an iptables -L listing", ["lint", "-f", "l.txt"], { "l.txt": "Chain FORWARD (policy DROP 0 packets, 0 bytes)\n" }, /l\.txt:1: cannot parse: expected a line of iptables-save/],
    ["a table without COMMIT", ["lint", "-f", "t.save"], { "t.save": "*filter\n:FORWARD ACCEPT [0:0]\n-A FORWARD -j ACCEPT\n" }, /t\.save:1: cannot parse: expected COMMIT/],
    ["an unterminated quote", ["lint", "-f", "q.sh"], { "q.sh": 'iptables -A FORWARD -m comment --comment "oops -j ACCEPT\n' }, /q\.sh:1: cannot parse: expected a closing "/],
    ["an option without its value", ["lint", "-f", "v.sh"], { "v.sh": "\niptables -A FORWARD -s\n" }, /v\.sh:2: cannot parse: expected a value after -s/],
    ["an unknown output format", ["lint", "-f", "d", "-o", "yaml"], { d: "-A FORWARD -j ACCEPT\n" }, /"yaml"/],
  ])("exit 2 on %s, naming file, line and what was expected", async (_, argv, files, message) => {
    const r = await run(argv as string[], files as Record<string, string>);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toMatch(message);
  });
});
