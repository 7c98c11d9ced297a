// The fake is only worth its tests if it refuses what the real tools refuse; these pin that down.
import { describe, expect, it } from "vitest";
import { FakeKernel, saveString, tokenize } from "../support/fake-kernel.js";

const restore = (k: FakeKernel, input: string, cmd = "iptables-legacy-restore") => k.run(cmd, ["--noflush"], { input });
const rules = (k: FakeKernel) => k.saveText("legacy", 4).split("\n").filter((l) => l.startsWith("-A") || l.startsWith(":"));

describe("fake iptables", () => {
  it("prints rules back as given, with strings quoted the way xtables_save_string does", async () => {
    const k = new FakeKernel();
    const r = await restore(k, '*filter\n:x - [0:0]\n-A x -m comment --comment "deny" -j ACCEPT\n-A x -m comment --comment "a.b c" -j LOG --log-prefix "moat p i0 "\nCOMMIT\n');
    expect(r.code).toBe(0);
    expect(rules(k)).toContain("-A x -m comment --comment deny -j ACCEPT");
    expect(rules(k)).toContain('-A x -m comment --comment "a.b c" -j LOG --log-prefix "moat p i0 "');
    expect(saveString("it's")).toBe(`"it\\'s"`);
    expect(tokenize('-A x --comment "a \\" b" -j X')).toEqual(["-A", "x", "--comment", 'a " b', "-j", "X"]);
  });

  it("applies a restore all or nothing and names the refused line", async () => {
    const k = new FakeKernel();
    const before = k.saveText("legacy", 4);
    const r = await restore(k, "*filter\n:x - [0:0]\n-A FORWARD -j x\n-A FORWARD -j nowhere\nCOMMIT\n");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Couldn't load target `nowhere'[^]*Error occurred at line: 4/);
    expect(k.saveText("legacy", 4)).toBe(before);
  });

  it.each([
    ["a chain still referenced", ":x - [0:0]\n-A FORWARD -j x\nCOMMIT\n*filter\n-X x", /Too many links/],
    ["a chain with rules", ":x - [0:0]\n-A x -j ACCEPT\nCOMMIT\n*filter\n-X x", /not empty/],
    ["a rule that is not there", "-D FORWARD -j ACCEPT", /Bad rule/],
    ["an unknown option", "-A FORWARD --frobnicate -j ACCEPT", /unknown option "--frobnicate"/],
    ["an option of another module", "-A FORWARD -m comment --ctstate NEW -j ACCEPT", /unknown option "--ctstate"/],
    ["a set that does not exist", "-A FORWARD -m set --match-set nope src -j ACCEPT", /Set nope doesn't exist/],
    ["more than 15 ports", "-A FORWARD -p tcp -m multiport --dports 1:2,3:4,5:6,7:8,9:10,11:12,13:14,15,16 -j ACCEPT", /too many ports/],
    ["multiport without a protocol", "-A FORWARD -m multiport --dports 80 -j ACCEPT", /multiport needs/],
    ["a log prefix over 29 characters", '-A FORWARD -j LOG --log-prefix "123456789012345678901234567890"', /Maximum prefix length 29/],
    ["a chain name over 28 characters", ":moat-a-0123456789012345678901 - [0:0]", /too long/],
    ["tcp-reset without -p tcp", "-A FORWARD -j REJECT --reject-with tcp-reset", /TCP_RESET/],
    ["an unterminated quote", '-A FORWARD -m comment --comment "oops -j ACCEPT', /unterminated/],
    ["a goto to a target", "-A FORWARD -g ACCEPT", /Couldn't load target/],
  ])("refuses %s", async (_, body, error) => {
    const k = new FakeKernel();
    const r = await restore(k, `*filter\n${body}\nCOMMIT\n`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(error);
    expect(r.stderr).toMatch(/Error occurred at line: \d+/);
  });

  it("refuses IPv4 names in ip6tables", async () => {
    const k = new FakeKernel();
    expect((await restore(k, "*filter\n-A FORWARD -p icmp -j ACCEPT\nCOMMIT\n", "ip6tables-nft-restore")).stderr).toMatch(/unknown protocol "icmp"/);
    expect((await restore(k, "*filter\n-A FORWARD -j REJECT --reject-with icmp-admin-prohibited\nCOMMIT\n", "ip6tables-nft-restore")).stderr).toMatch(/unknown reject type/);
    expect((await restore(k, "*filter\n-A FORWARD -p ipv6-icmp -j REJECT --reject-with icmp6-adm-prohibited\nCOMMIT\n", "ip6tables-nft-restore")).code).toBe(0);
  });

  it("empties a declared chain in --noflush mode, deletes chains -F'd then -X'd in one go, and inserts by position", async () => {
    const k = new FakeKernel();
    k.plant("legacy", 4, "*filter\n:x - [0:0]\n:y - [0:0]\n-A x -g y\n-A y -j DROP\n-A FORWARD -j ACCEPT\nCOMMIT\n");
    k.plant("legacy", 4, "*filter\n:y - [0:0]\n-I FORWARD 1 -j x\nCOMMIT\n");
    expect(rules(k)).toEqual([":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ":x - [0:0]", ":y - [0:0]", "-A FORWARD -j x", "-A FORWARD -j ACCEPT", "-A x -g y"]);
    k.plant("legacy", 4, "*filter\n-D FORWARD -j x\n-F x\n-F y\n-X x\n-X y\nCOMMIT\n");
    expect(rules(k)).toEqual([":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", "-A FORWARD -j ACCEPT"]);
  });

  it("without --noflush replaces the whole table, as a firewall reload does", async () => {
    const k = new FakeKernel();
    k.plant("nft", 4, "*filter\n:x - [0:0]\n-A FORWARD -j x\nCOMMIT\n");
    expect((await k.run("iptables-nft-restore", [], { input: "*filter\n-A FORWARD -j DROP\nCOMMIT\n" })).code).toBe(0);
    expect(k.saveText("nft", 4)).not.toContain(":x ");
  });
});

describe("fake ipset", () => {
  it("keeps the lines before a refused one, as the real ipset restore does", async () => {
    const k = new FakeKernel();
    const r = await k.run("ipset", ["restore"], { input: "create s hash:net family inet\nadd s 10.0.0.1/32\nadd s 10.0.0.1\nadd s 10.1.0.0/16\n" });
    expect(r).toMatchObject({ code: 1, stderr: "ipset v7.19: Error in line 3: Element cannot be added to the set: it's already added\n" });
    expect(k.setMembers("s")).toEqual(["10.0.0.1"]);
  });

  it("checks members against the set's type and family", async () => {
    const k = new FakeKernel();
    k.plantSets("create i hash:net,iface family inet6\ncreate p hash:net,port family inet\n");
    for (const [line, error] of [
      ["add i 10.0.0.1,veth0", /IPv6 address failed/],
      ["add i fd00::1", /Elem separator/],
      ["add p 10.0.0.0/0,tcp:80", /CIDR parameter/],
      ["add p 10.0.0.1,tcp:99999", /port/],
      ["create moat-0123456789012345678901234567 hash:net", /longer than 31/],
    ] as const) {
      expect((await k.run("ipset", ["restore"], { input: `${line}\n` })).stderr).toMatch(error);
    }
    k.plantSets("add i fd00::1/128,physdev:vnet1\nadd p 10.0.0.1,80\n");
    expect(k.setMembers("i")).toEqual(["fd00::1,physdev:vnet1"]);
    expect(k.setMembers("p")).toEqual(["10.0.0.1,tcp:80"]);
  });

  it("swaps contents, refuses to destroy a set a rule uses, and -exist makes create and add idempotent", async () => {
    const k = new FakeKernel();
    k.plantSets("create a hash:net\nadd a 10.0.0.1\ncreate b hash:net\nadd b 10.0.0.2\nswap a b\n");
    expect([k.setMembers("a"), k.setMembers("b")]).toEqual([["10.0.0.2"], ["10.0.0.1"]]);
    k.plant("legacy", 4, "*filter\n-A FORWARD -m set --match-set a src -j DROP\nCOMMIT\n");
    expect((await k.run("ipset", ["destroy", "a"])).stderr).toMatch(/in use by a kernel component/);
    expect((await k.run("ipset", ["destroy", "b"])).code).toBe(0);
    expect((await k.run("ipset", ["-exist", "restore"], { input: "create a hash:net\nadd a 10.0.0.2\n" })).code).toBe(0);
    expect((await k.run("ipset", ["restore"], { input: "create a hash:net maxelem 5\n" })).stderr).toMatch(/same name already exists/);
  });
});

describe("fake failures and records", () => {
  it("fails the next matching command once, at the matching line, and records every call", async () => {
    const k = new FakeKernel();
    k.failNext({ command: /^ipset restore$/, line: /^add /, message: "boom" });
    const input = "create s hash:net\nadd s 10.0.0.1\n";
    expect(await k.run("ipset", ["save"])).toMatchObject({ code: 0 });
    expect(await k.run("ipset", ["restore"], { input })).toMatchObject({ code: 1, stderr: "ipset v7.19: Error in line 2: boom\n" });
    expect(k.setNames()).toEqual(["s"]);
    expect((await k.run("ipset", ["restore"], { input: "add s 10.0.0.1\n" })).code).toBe(0);
    expect(k.commands()).toEqual(["ipset save", "ipset restore", "ipset restore"]);
    expect(k.calls[1]!.input).toBe(input);
  });
});
