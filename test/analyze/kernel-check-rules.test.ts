// Kernel test: hand-written rules loaded with iptables-restore (and their sets with ipset restore) on a
// lab node; for every probed pair, `moat check --rules` on the same text says what the real connection did.
import { describe, expect, it } from "vitest";
import { runOk } from "../../src/dataplane/index.js";
import { run } from "../cli/fake-io.js";
import { modelFrom, withLab } from "../kernel/harness.js";

const MODEL = `
apiVersion: moat.dev/v1
kind: Network
metadata: {name: blue}
spec: {subnets: [10.10.0.0/24]}
---
apiVersion: moat.dev/v1
kind: Network
metadata: {name: red}
spec: {subnets: [10.20.0.0/24]}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: a}
spec: {node: n1, network: blue, ips: [10.10.0.2], interface: veth-a}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: b}
spec: {node: n1, network: blue, ips: [10.10.0.3], interface: veth-b}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: c}
spec: {node: n1, network: red, ips: [10.20.0.2], interface: veth-c}
`;

const SETS = `create nets hash:net family inet hashsize 1024 maxelem 65536
add nets 10.10.0.0/24
add nets 10.20.0.0/24
create web-clients hash:ip family inet
add web-clients 10.20.0.2
`;

// A REJECT for TCP answers at once (refused); DROP makes the client wait (timeout). Both are "not connected".
const RULES = `*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:iso - [0:0]
:to-red - [0:0]
-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -m set --match-set nets src -m set --match-set nets dst -j iso
-A FORWARD -j ACCEPT
-A iso -i veth-a -o veth-b -p tcp -m multiport --dports 80,8080 -j ACCEPT
-A iso -s 10.10.0.0/24 -d 10.10.0.0/24 -p udp -m udp --dport 53 -j ACCEPT
-A iso -d 10.20.0.2/32 -g to-red
-A iso -m set --match-set web-clients src -p tcp --dport 80 -j RETURN
-A iso -p tcp -j REJECT --reject-with tcp-reset
-A iso -j REJECT --reject-with icmp-port-unreachable
-A to-red -s 10.10.0.3/32 -p tcp --dport 8080 -j RETURN
-A to-red -j DROP
COMMIT
`;

const WORKLOADS = [
  { id: "a", ip: "10.10.0.2", iface: "veth-a" },
  { id: "b", ip: "10.10.0.3", iface: "veth-b" },
  { id: "c", ip: "10.20.0.2", iface: "veth-c" },
];
const PORTS = [
  { port: 80, protocol: "TCP" as const },
  { port: 8080, protocol: "TCP" as const },
  { port: 22, protocol: "TCP" as const },
  { port: 53, protocol: "UDP" as const },
];

describe("check --rules agrees with the kernel (lab)", () => {
  it("on every ordered pair of workloads and port", async () => {
    const model = modelFrom(MODEL, "check-rules-lab.yaml");
    await withLab(model, async (lab) => {
      const node = lab.nodeRunner("n1");
      await runOk(node, "ipset", ["restore"], { input: SETS });
      await runOk(node, "iptables-restore", [], { input: RULES });
      for (const p of PORTS) await lab.listenAll(p.port, p.protocol);
      const files = { "rules.save": RULES, "sets.save": SETS };
      const cases = WORKLOADS.flatMap((from) => WORKLOADS.filter((to) => to !== from).flatMap((to) => PORTS.map((p) => ({ from, to, ...p }))));
      const probes = await lab.probeMany(cases.map((c) => ({ from: c.from.id, to: c.to.ip, port: c.port, protocol: c.protocol })));
      const disagreements: string[] = [];
      let connected = 0;
      for (const [i, c] of cases.entries()) {
        const r = await run(["check", "--rules", "sets.save", "--rules", "rules.save", "--from", c.from.ip, "--to", c.to.ip, "--port", String(c.port), "--protocol", c.protocol.toLowerCase(), "--in-interface", c.from.iface, "--out-interface", c.to.iface, "-o", "json"], files);
        expect([0, 1]).toContain(r.code);
        const verdict = JSON.parse(r.out) as { allowed: boolean; verdict: string; rule: { line: number } | null };
        if (probes[i]!.connected) connected++;
        if (verdict.allowed !== probes[i]!.connected) {
          disagreements.push(`${c.protocol} ${c.from.id} -> ${c.to.id}:${c.port}: kernel ${probes[i]!.outcome} (${probes[i]!.detail}), check --rules ${verdict.verdict} at line ${verdict.rule?.line ?? "policy"}`);
        }
      }
      console.log(`check --rules == kernel on ${cases.length} probes (${connected} connected)`);
      expect(disagreements).toEqual([]);
      // The rules let some through and stop others, so agreement means something.
      expect(connected).toBeGreaterThan(2);
      expect(connected).toBeLessThan(cases.length - 2);
    });
  });
});
