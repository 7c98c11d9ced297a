// The parser replays commands as the kernel does; the walker follows what it built.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { analyze, AnalyzeParseError, walkRuleset, type AnalyzedPacket } from "../../src/analyze/index.js";
import { parseIp } from "../../src/model/index.js";

const ip = (t: string) => {
  const p = parseIp(t);
  if (!p.ok) throw new Error(t);
  return p.value;
};
const packet = (src: string, dst: string, extra: Partial<AnalyzedPacket> = {}): AnalyzedPacket => ({ src: ip(src), dst: ip(dst), protocol: "tcp", dport: 80, ctstate: "NEW", mark: 0, ...extra });
const forward = (text: string, file = "x") => analyze([{ file, text }]).tables[4].get("filter")!.chains.get("FORWARD")!;
const lines = (text: string) => forward(text).rules.map((r) => r.loc.line);

describe("replaying commands in order", () => {
  it("-I without a position goes to the head, with one to that place; -A to the end", () => {
    expect(lines("iptables -A FORWARD -j ACCEPT\niptables -I FORWARD -j DROP\niptables -I FORWARD 2 -s 10.0.0.1 -j DROP\niptables -A FORWARD -j LOG\n")).toEqual([2, 3, 1, 4]);
  });

  it("-I beyond the end and -D of a rule that is not there are refused, the rest goes on", () => {
    const rs = analyze([{ file: "x", text: "iptables -I FORWARD 3 -j DROP\niptables -D FORWARD -j ACCEPT\niptables -A FORWARD -j ACCEPT\n" }]);
    expect(rs.refused.map((r) => r.loc.line)).toEqual([1, 2]);
    expect(rs.tables[4].get("filter")!.chains.get("FORWARD")!.rules.map((r) => r.loc.line)).toEqual([3]);
  });

  it("-D by number and by specification, -R replaces, -F empties", () => {
    expect(lines("iptables -A FORWARD -s 10.0.0.1 -j DROP\niptables -A FORWARD -s 10.0.0.2/32 -j DROP\niptables -A FORWARD -j ACCEPT\niptables -D FORWARD 1\niptables -D FORWARD -s 10.0.0.2 -j DROP\n")).toEqual([3]);
    expect(lines("iptables -A FORWARD -j ACCEPT\niptables -A FORWARD -j DROP\niptables -R FORWARD 1 -j LOG\n")).toEqual([3, 2]);
    expect(lines("iptables -A FORWARD -j ACCEPT\niptables -F FORWARD\niptables -A FORWARD -j DROP\n")).toEqual([3]);
  });

  it("-X of a chain still jumped to is refused; -E renames it and the jumps follow", () => {
    const rs = analyze([{ file: "x", text: "iptables -N a\niptables -A FORWARD -j a\niptables -X a\niptables -E a b\n" }]);
    expect(rs.refused.map((r) => r.loc.line)).toEqual([3]);
    const t = rs.tables[4].get("filter")!;
    expect([...t.chains.keys()]).toContain("b");
    expect(t.chains.get("FORWARD")!.rules[0]!.target).toEqual({ kind: "jump", chain: "b" });
  });

  it("-t nat and -t filter are separate tables; ip6tables is a separate family", () => {
    const rs = analyze([{ file: "x", text: "iptables -t nat -A POSTROUTING -s 10.0.0.0/8 -j MASQUERADE\nip6tables -A FORWARD -s 2001:db8::/32 -j DROP\niptables -A FORWARD -j ACCEPT\n" }]);
    expect(rs.tables[4].get("nat")!.chains.get("POSTROUTING")!.rules).toHaveLength(1);
    expect(rs.tables[6].get("filter")!.chains.get("FORWARD")!.rules[0]!.loc.line).toBe(2);
    expect(rs.tables[4].get("filter")!.chains.get("FORWARD")!.rules[0]!.loc.line).toBe(3);
  });

  it("a comma list of sources is one rule per source, all on the same line", () => {
    const rules = forward("iptables -A FORWARD -s 10.0.0.0/8,192.168.0.0/16 -d 172.16.0.1 -j DROP\n").rules;
    expect(rules.map((r) => r.loc.line)).toEqual([1, 1]);
    expect(rules.map((r) => r.key)).toEqual(["-s 10.0.0.0/8 -d 172.16.0.1/32 -j DROP", "-s 192.168.0.0/16 -d 172.16.0.1/32 -j DROP"]);
  });

  it("a line continued with a backslash is one command on its first line", () => {
    expect(lines("iptables -A FORWARD \\\n  -s 10.0.0.1 \\\n  -j DROP\niptables -A FORWARD -j ACCEPT\n")).toEqual([1, 4]);
  });

  it("ipset: create -exist, add, del, flush, swap, list:set members, nomatch", () => {
    const rs = analyze([
      {
        file: "s",
        text: [
          "ipset create a hash:net",
          "ipset -exist create a hash:net",
          "ipset add a 10.0.0.0/8",
          "ipset add a 10.1.0.0/16 nomatch",
          "ipset create b hash:ip",
          "ipset add b 192.0.2.1",
          "ipset del b 192.0.2.1",
          "ipset create l list:set",
          "ipset add l a",
          "ipset swap a b",
          "iptables -A FORWARD -m set --match-set l src -j DROP",
        ].join("\n"),
      },
    ]);
    expect(rs.refused).toEqual([]);
    expect(rs.sets.get("a")!.type).toBe("hash:ip");
    expect(rs.sets.get("b")!.members.map((m) => m.text)).toEqual(["10.0.0.0/8", "10.1.0.0/16"]);
    // l holds a, which after the swap is empty: nothing matches.
    expect(walkRuleset(rs, packet("10.2.0.1", "10.9.9.9")).verdict).toBe("ACCEPT");
  });

  it("a nomatch member carves an exception out of a wider one", () => {
    const rs = analyze([{ file: "s", text: "ipset create a hash:net\nipset add a 10.0.0.0/8\nipset add a 10.1.0.0/16 nomatch\niptables -A FORWARD -m set --match-set a src -j DROP\n" }]);
    expect(walkRuleset(rs, packet("10.2.0.1", "10.9.9.9")).verdict).toBe("DROP");
    expect(walkRuleset(rs, packet("10.1.0.1", "10.9.9.9")).verdict).toBe("ACCEPT");
  });

  it("iptables-save with counters keeps them on rules and policies", () => {
    const rs = analyze([{ file: "s", text: "*filter\n:FORWARD DROP [12:3400]\n[5:300] -A FORWARD -p tcp -j ACCEPT\n-A FORWARD -c 7 420 -p udp -j ACCEPT\nCOMMIT\n" }]);
    const fwd = rs.tables[4].get("filter")!.chains.get("FORWARD")!;
    expect(fwd.policy).toBe("DROP");
    expect(fwd.policyCounters).toEqual({ packets: 12n, bytes: 3400n });
    expect(fwd.rules.map((r) => r.counters)).toEqual([{ packets: 5n, bytes: 300n }, { packets: 7n, bytes: 420n }]);
  });

  it("the family of a dump without a header comes from its addresses", () => {
    const rs = analyze([{ file: "s", text: "*filter\n:FORWARD ACCEPT [0:0]\n-A FORWARD -s fd00::/8 -j DROP\nCOMMIT\n" }]);
    expect(rs.tables[6].get("filter")!.chains.get("FORWARD")!.rules).toHaveLength(1);
    expect(rs.tables[4].size).toBe(0);
  });

  it("parse errors name the file, the line and what was expected", () => {
    const err = (text: string) => {
      try {
        analyze([{ file: "f", text }]);
      } catch (e) {
        return e instanceof AnalyzeParseError ? `${e.line}: ${e.expected}` : String(e);
      }
      return "no error";
    };
    expect(err("*filter\nhello\nCOMMIT\n")).toMatch(/^2: a :CHAIN POLICY line, a rule/);
    expect(err("*bogus\nCOMMIT\n")).toMatch(/^1: a table name/);
    expect(err("-P FORWARD MAYBE\n")).toMatch(/^1: ACCEPT or DROP/);
    expect(err("create s\n")).toMatch(/^1: create NAME TYPE/);
  });
});

describe("the walker", () => {
  it("Cloud Foundry: the vpa chain marks the source app, the overlay chain accepts that mark on the port", () => {
    const rs = analyze([{ file: "cf", text: readFileSync(new URL("./fixtures/cloudfoundry.save", import.meta.url), "utf8") }]);
    const app = (port: number, src = "10.255.94.5") => walkRuleset(rs, packet(src, "10.255.94.6", { dport: port, inIface: "s-010255094005", outIface: "s-010255094006" }));
    const ok = app(8080);
    expect(ok.verdict).toBe("ACCEPT");
    expect(ok.rule!.comment).toBe("src:a1f3c2d4-5e6f-4a7b-8c9d_dst:b2e4d3c5-6f70-4b8c-9d0e");
    expect(ok.path.map((s) => `${s.chain}:${s.rule.loc.line}`)).toEqual(["FORWARD:17", "vpa--1706796201:54", "vpa--1706796201:56", "FORWARD:21", "overlay--b2e4d3c5-6f70-4b8c-:51"]);
    expect(app(8081).verdict).toBe("REJECT");
    // Another source gets another mark: not the one the policy names.
    expect(walkRuleset(rs, packet("10.255.94.7", "10.255.94.6", { dport: 8080, outIface: "s-010255094006" })).verdict).toBe("REJECT");
  });

  it("interface wildcards, physdev, ICMP types and --syn", () => {
    const rs = analyze([{ file: "r", text: "-A FORWARD -i veth+ -p icmp --icmp-type echo-request -j DROP\n-A FORWARD -m physdev --physdev-in vnet3 -j REJECT\n-A FORWARD -p tcp ! --syn -j DROP\n-A FORWARD -p tcp --syn -j ACCEPT\n" }]);
    expect(walkRuleset(rs, packet("10.0.0.1", "10.0.0.2", { protocol: "icmp", inIface: "veth7", icmpType: "echo-request" })).rule!.loc.line).toBe(1);
    expect(walkRuleset(rs, packet("10.0.0.1", "10.0.0.2", { inIface: "br0", physIn: "vnet3" })).rule!.loc.line).toBe(2);
    expect(walkRuleset(rs, packet("10.0.0.1", "10.0.0.2", { inIface: "br0", physIn: "vnet4" })).rule!.loc.line).toBe(4);
  });

  it("a RETURN in the built-in chain applies its policy", () => {
    const rs = analyze([{ file: "r", text: "-P FORWARD DROP\n-A FORWARD -s 10.0.0.0/8 -j RETURN\n-A FORWARD -j ACCEPT\n" }]);
    const w = walkRuleset(rs, packet("10.1.1.1", "8.8.8.8"));
    expect(w).toMatchObject({ verdict: "DROP", allowed: false, policyOf: "FORWARD" });
    expect(w.rule).toBeUndefined();
    expect(w.policyLoc).toEqual({ file: "r", line: 1 });
  });
});
