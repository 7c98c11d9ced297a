import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { run } from "../cli/fake-io.js";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
const SEED = fixture("dcos-seed-000.sh");
const check = (files: Record<string, string>, rules: string[], args: string[]) => run(["check", ...rules.flatMap((r) => ["--rules", r]), ...args, "-o", "json"], files);
const HR_TO_IT = (port: string) => ["--from", "192.168.0.5", "--to", "10.250.0.9", "--port", port, "--protocol", "tcp"];

describe("moat check --rules on the seed's script", () => {
  it("HR reaches IT on every port: the overlays set is empty, so FORWARD's ACCEPT policy decides", async () => {
    for (const port of ["80", "22", "5432"]) {
      const r = await check({ "rules.sh": SEED }, ["rules.sh"], HR_TO_IT(port));
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out)).toEqual({ allowed: true, verdict: "ACCEPT", rule: null, path: [] });
    }
    // IT reaches HR too, which the page meant to forbid.
    expect((await check({ "rules.sh": SEED }, ["rules.sh"], ["--from", "10.250.0.9", "--to", "192.168.0.5", "--port", "8080", "--protocol", "tcp"])).code).toBe(0);
  });

  it("with the overlays filled in, the port-80 rule never runs: the REJECT appended first decides", async () => {
    const fixed = `${SEED}ipset add overlays it\nipset add overlays hr\n`;
    const r = await check({ "rules.sh": fixed }, ["rules.sh"], HR_TO_IT("80"));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual({
      allowed: false,
      verdict: "REJECT",
      rule: { file: "rules.sh", line: 6 },
      path: [
        { chain: "FORWARD", line: 15 },
        { chain: "dcos-isolation", line: 6 },
      ],
    });
    // The hairpin rules inserted at the head do run: HR to HR returns, and FORWARD's policy accepts.
    const hairpin = await check({ "rules.sh": fixed }, ["rules.sh"], ["--from", "192.168.0.5", "--to", "192.168.3.3", "--port", "80", "--protocol", "tcp"]);
    expect(JSON.parse(hairpin.out)).toEqual({ allowed: true, verdict: "ACCEPT", rule: null, path: [{ chain: "FORWARD", line: 15 }, { chain: "dcos-isolation", line: 22 }] });
  });

  it("the lines the kernel refuses are left out with a note on stderr, not an exit 2", async () => {
    const r = await check({ "rules.sh": SEED }, ["rules.sh"], HR_TO_IT("80"));
    expect(r.errLines).toEqual([
      expect.stringMatching(/^note: rules\.sh:23: left out, as the kernel refuses it: .*192\.168\.0\.0\.\/16/),
      expect.stringMatching(/^note: rules\.sh:28: left out, as the kernel refuses it: .*TRACE/),
    ]);
  });

  it("a set type the kernel lacks: the create and the rules on that set are left out, with notes", async () => {
    const script = "ipset create blocked hash:nett\nipset add blocked 10.0.0.0/8\niptables -A FORWARD -m set --match-set blocked src -j DROP\niptables -P FORWARD ACCEPT\n";
    const r = await check({ "s.sh": script }, ["s.sh"], ["--from", "10.1.1.1", "--to", "10.2.2.2", "--port", "80", "--protocol", "tcp"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ allowed: true, verdict: "ACCEPT", rule: null, path: [] });
    expect(r.errLines).toEqual([
      expect.stringMatching(/^note: s\.sh:1: .*"hash:nett" is not a set type/),
      expect.stringMatching(/^note: s\.sh:2: .*set blocked does not exist/),
      expect.stringMatching(/^note: s\.sh:3: .*set blocked does not exist/),
    ]);
  });

  it("text: the verdict, the deciding rule and the path", async () => {
    const r = await run(["check", "--rules", "rules.sh", ...HR_TO_IT("80")], { "rules.sh": `${SEED}ipset add overlays it\nipset add overlays hr\n` });
    expect(r.code).toBe(1);
    expect(r.out).toBe(
      "denied: REJECT by rules.sh:6 in chain dcos-isolation: -j REJECT\npath:\n  FORWARD rules.sh:15: -m set --match-set overlays src -m set --match-set overlays dst -j dcos-isolation\n  dcos-isolation rules.sh:6: -j REJECT\n",
    );
  });
});

describe("moat check --rules: the walk", () => {
  const RULES = `*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:zone - [0:0]
:web - [0:0]
:log-and-drop - [0:0]
-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -i wan0 -g zone
-A FORWARD -i lan0 -o wan0 -j ACCEPT
-A zone -d 10.0.0.0/24 -p tcp -m multiport --dports 80,443 -j web
-A zone -p udp --dport 53 -j ACCEPT
-A zone -m set --match-set blocked src -j log-and-drop
-A zone -m set --match-set pairs src,dst -j ACCEPT
-A web -s 203.0.113.0/24 -j RETURN
-A web -j ACCEPT
-A log-and-drop -j LOG --log-prefix "dropped "
-A log-and-drop -j DROP
COMMIT
`;
  const SETS = "create blocked hash:net family inet\nadd blocked 198.51.100.0/24\ncreate pairs hash:net,net family inet\nadd pairs 192.0.2.0/24,10.0.0.7\n";
  const F = { "rules.save": RULES, "sets.save": SETS };
  const go = (args: string[]) => check(F, ["sets.save", "rules.save"], args);
  const json = async (args: string[]) => {
    const r = await go(args);
    return { code: r.code, ...JSON.parse(r.out) };
  };

  it("a jump, then ACCEPT", async () => {
    expect(await json(["--from", "192.0.2.1", "--to", "10.0.0.5", "--port", "443", "--protocol", "tcp", "--in-interface", "wan0"])).toEqual({
      code: 0, allowed: true, verdict: "ACCEPT", rule: { file: "rules.save", line: 16 }, path: [{ chain: "FORWARD", line: 9 }, { chain: "zone", line: 11 }, { chain: "web", line: 16 }],
    });
  });

  it("RETURN from a chain entered by -j goes back to the rule after the jump; the end of a chain entered by -g ends in the policy", async () => {
    const r = await json(["--from", "203.0.113.9", "--to", "10.0.0.5", "--port", "80", "--protocol", "tcp", "--in-interface", "wan0"]);
    expect(r).toEqual({ code: 1, allowed: false, verdict: "DROP", rule: null, path: [{ chain: "FORWARD", line: 9 }, { chain: "zone", line: 11 }, { chain: "web", line: 15 }] });
  });

  it("multiport: a port outside the list falls through", async () => {
    expect((await json(["--from", "192.0.2.1", "--to", "10.0.0.5", "--port", "8080", "--protocol", "tcp", "--in-interface", "wan0"])).allowed).toBe(false);
  });

  it("udp and the protocol of --dport", async () => {
    expect((await json(["--from", "192.0.2.1", "--to", "10.0.0.5", "--port", "53", "--protocol", "udp", "--in-interface", "wan0"])).rule).toEqual({ file: "rules.save", line: 12 });
    expect((await json(["--from", "192.0.2.1", "--to", "10.0.0.5", "--port", "53", "--protocol", "tcp", "--in-interface", "wan0"])).allowed).toBe(false);
  });

  it("--match-set src, then a non-terminal LOG before the DROP", async () => {
    const r = await json(["--from", "198.51.100.4", "--to", "10.9.9.9", "--protocol", "icmp", "--in-interface", "wan0"]);
    expect(r).toMatchObject({ code: 1, verdict: "DROP", rule: { line: 18 } });
    expect(r.path.map((s: { line: number }) => s.line)).toEqual([9, 13, 17, 18]);
  });

  it("--match-set src,dst on a hash:net,net set", async () => {
    expect((await json(["--from", "192.0.2.9", "--to", "10.0.0.7", "--port", "22", "--protocol", "tcp", "--in-interface", "wan0"])).rule).toEqual({ file: "rules.save", line: 14 });
    expect((await json(["--from", "192.0.2.9", "--to", "10.0.0.8", "--port", "22", "--protocol", "tcp", "--in-interface", "wan0"])).allowed).toBe(false);
  });

  it("interfaces: -i and -o; with none given, no interface rule matches", async () => {
    expect((await json(["--from", "10.1.1.1", "--to", "8.8.8.8", "--port", "443", "--protocol", "tcp", "--in-interface", "lan0", "--out-interface", "wan0"])).rule).toEqual({ file: "rules.save", line: 10 });
    expect((await json(["--from", "10.1.1.1", "--to", "8.8.8.8", "--port", "443", "--protocol", "tcp"])).rule).toBeNull();
  });

  it("an IPv6 packet walks the IPv6 rules: none here, so the kernel's ACCEPT", async () => {
    expect(await json(["--from", "2001:db8::1", "--to", "2001:db8::2", "--port", "80", "--protocol", "tcp"])).toEqual({ code: 0, allowed: true, verdict: "ACCEPT", rule: null, path: [] });
  });

  it("ip6tables commands in a script, -I at a position, -D and -P", async () => {
    const script = [
      "ip6tables -P FORWARD DROP",
      "ip6tables -A FORWARD -p tcp --dport 22 -j ACCEPT",
      "ip6tables -A FORWARD -p tcp --dport 80 -j ACCEPT",
      "ip6tables -I FORWARD 2 -s 2001:db8::/64 -p tcp --dport 80 -j REJECT",
      "ip6tables -D FORWARD -p tcp --dport 22 -j ACCEPT",
    ].join("\n");
    const c = (from: string, port: string) => check({ "v6.sh": script }, ["v6.sh"], ["--from", from, "--to", "2001:db8:1::1", "--port", port, "--protocol", "tcp"]);
    expect(JSON.parse((await c("2001:db8::5", "80")).out)).toMatchObject({ verdict: "REJECT", rule: { line: 4 } });
    expect(JSON.parse((await c("2001:db9::5", "80")).out)).toMatchObject({ verdict: "ACCEPT", rule: { line: 3 } });
    expect(JSON.parse((await c("2001:db9::5", "22")).out)).toMatchObject({ verdict: "DROP", rule: null });
  });

  it.each([
    ["a name instead of an address", ["--from", "web", "--to", "10.0.0.1", "--port", "80"], /--from "web" is not an IP address/],
    ["addresses of two families", ["--from", "10.0.0.1", "--to", "2001:db8::1", "--port", "80"], /different address families/],
    ["a protocol it does not know", ["--from", "10.0.0.1", "--to", "10.0.0.2", "--port", "80", "--protocol", "gre"], /--protocol "gre"/],
    ["tcp without a port", ["--from", "10.0.0.1", "--to", "10.0.0.2", "--protocol", "tcp"], /--port is required/],
    ["a bad port", ["--from", "10.0.0.1", "--to", "10.0.0.2", "--port", "99999"], /--port "99999"/],
    ["a bad interface", ["--from", "10.0.0.1", "--to", "10.0.0.2", "--port", "80", "--in-interface", "this-name-is-far-too-long"], /--in-interface/],
  ])("exit 2 on %s", async (_, args, message) => {
    const r = await run(["check", "--rules", "rules.save", ...args], F);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toMatch(message);
  });

  it("exit 2 on a rules file that cannot be read or parsed", async () => {
    expect((await run(["check", "--rules", "nope", "--from", "10.0.0.1", "--to", "10.0.0.2", "--port", "80"], F)).err).toMatch(/cannot read nope/);
    const bad = await run(["check", "--rules", "x", "--from", "10.0.0.1", "--to", "10.0.0.2", "--port", "80"], { x: "*filter\n-A FORWARD -j ACCEPT\n" });
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/x:1: cannot parse: expected COMMIT/);
  });
});
