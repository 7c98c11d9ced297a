// Kernel test of the lab itself: a two-node lab (routed and bridged, dual-stack) where every pair
// connects, where rules put into a node's FORWARD chain by hand take effect, and which leaves nothing behind.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { processRunner, runOk } from "../../src/dataplane/runner.js";
import { cleanupLabs, createLab, labPrefix, listNamespaces, requireKernelTools, type Lab, type ProbeRequest, type ProbeResult } from "../../src/lab/index.js";
import { labSpec } from "./fixture.js";

const TCP = 8080;
const UDP = 8081;
const TIMEOUT = 400;
const prefix = labPrefix();
let lab: Lab;
let destroyed = false;

const ipOf = (id: string, family: 4 | 6) => lab.plan.workloads.find((w) => w.id === id)!.ips.find((i) => i.family === family)!.text;
const iptables = (family: 4 | 6) => (family === 4 ? "iptables" : "ip6tables");
const insert = (node: string, family: 4 | 6, rule: string[]) => runOk(lab.nodeRunner(node), iptables(family), ["-I", "FORWARD", ...rule]);
const both = (from: string, to: string): ProbeRequest[] =>
  ([4, 6] as const).flatMap((family) => [
    { from, to, port: TCP, protocol: "TCP" as const, family },
    { from, to, port: UDP, protocol: "UDP" as const, family },
  ]);
const pings = (from: string, to: string): ProbeRequest[] => ([4, 6] as const).map((family) => ({ from, to, port: 0, protocol: "ICMP" as const, family }));
const summary = (rs: ProbeResult[]) => rs.map((r) => `${r.protocol} ${r.from}->${r.host} ${r.outcome} (${r.detail})`);

beforeAll(async () => {
  await requireKernelTools();
  try {
    lab = await createLab(labSpec(), { prefix, timeoutMs: TIMEOUT });
    console.log(`lab ${prefix}: ${lab.plan.nodes.length} nodes, ${lab.plan.workloads.length} workloads, created in ${lab.createdInMs} ms`);
    await lab.listenAll(TCP, "TCP");
    await lab.listenAll(UDP, "UDP");
  } catch (err) {
    await cleanupLabs(prefix);
    throw err;
  }
});

afterEach(async () => {
  if (!lab || destroyed) return;
  for (const node of lab.plan.nodes) for (const family of [4, 6] as const) await runOk(lab.nodeRunner(node.name), iptables(family), ["-F", "FORWARD"]);
  await lab.flushNeighbors();
});

afterAll(async () => {
  try {
    await lab?.destroy();
  } finally {
    await cleanupLabs(prefix);
  }
});

describe("lab (kernel)", () => {
  it("wires the topology of the plan: veths named after workloads, bridge ports, bridge-nf sysctls", async () => {
    const a = lab.nodeRunner("node-a");
    const bridge = lab.plan.nodes[0]!.bridges[0]!.name;
    const ports = JSON.parse((await runOk(a, "ip", ["-j", "link", "show", "master", bridge])).stdout) as { ifname: string }[];
    expect(ports.map((p) => p.ifname).sort()).toEqual(["vf1", "vf2"]);
    await runOk(a, "ip", ["link", "show", "lw2"]); // r3 had no interface: withLabInterfaces named it
    for (const key of ["net.bridge.bridge-nf-call-iptables", "net.bridge.bridge-nf-call-ip6tables", "net.ipv4.ip_forward"]) {
      expect((await runOk(a, "sysctl", ["-n", key])).stdout.trim()).toBe("1");
    }
    const addrs = JSON.parse((await runOk(lab.workloadRunner("f1"), "ip", ["-j", "addr", "show", "dev", "eth0"])).stdout) as { addr_info: { local: string; prefixlen: number }[] }[];
    expect(addrs[0]!.addr_info.map((i) => `${i.local}/${i.prefixlen}`)).toEqual(expect.arrayContaining(["10.62.0.1/24", "fd62::1/64"]));
  });

  it("connects every ordered pair with no rules: TCP, UDP and ICMP, IPv4 and IPv6, with the source address intact", async () => {
    const ids = lab.plan.workloads.map((w) => w.id);
    const list = ids.flatMap((from) => ids.filter((to) => to !== from).flatMap((to) => [...both(from, to), ...pings(from, to)]));
    const started = performance.now();
    const results = await lab.probeMany(list);
    const ms = performance.now() - started;
    console.log(`${list.length} probes in ${Math.round(ms)} ms: ${Math.round((list.length * 1000) / ms)} probes/s`);
    expect(summary(results.filter((r) => !r.connected))).toEqual([]);
    // The TCP listener reports the peer it saw: the prober's own address, so nothing NATs in between.
    for (const r of results.filter((x) => x.protocol === "TCP")) expect(r.detail).toBe(`moat-lab ${r.source}`);
  });

  it("a DROP in a node's FORWARD makes the probe time out, on the same node and across nodes", async () => {
    for (const family of [4, 6] as const) {
      await insert("node-a", family, ["-m", "conntrack", "--ctstate", "NEW", "-s", ipOf("r3", family), "-d", ipOf("r1", family), "-j", "DROP"]);
      await insert("node-b", family, ["-s", ipOf("r2", family), "-j", "DROP"]);
    }
    const results = await lab.probeMany(["r3", "r2"].flatMap((from) => [...both(from, "r1"), ...pings(from, "r1")]).concat(both("r1", "r3"), pings("r1", "r3")));
    const blocked = results.filter((r) => r.from !== "r1");
    expect(summary(blocked.filter((r) => r.outcome !== "timeout"))).toEqual([]);
    for (const r of blocked) expect(r.ms).toBeGreaterThanOrEqual(TIMEOUT - 5);
    // r1 -> r3 opens connections the other way round (the rule drops NEW only), so it still connects.
    expect(summary(results.filter((r) => r.from === "r1" && !r.connected))).toEqual([]);
  });

  it("a REJECT refuses at once: TCP reset, ICMP port unreachable and admin-prohibited, routed and bridged", async () => {
    for (const family of [4, 6] as const) {
      const prohibited = family === 4 ? "icmp-admin-prohibited" : "icmp6-adm-prohibited";
      const echo = family === 4 ? ["-p", "icmp", "--icmp-type", "echo-request"] : ["-p", "ipv6-icmp", "--icmpv6-type", "echo-request"];
      for (const to of ["r1", "f2"]) {
        await insert("node-a", family, ["-d", ipOf(to, family), "-p", "tcp", "-j", "REJECT", "--reject-with", "tcp-reset"]);
        await insert("node-a", family, ["-d", ipOf(to, family), "-p", "udp", "-j", "REJECT"]);
        await insert("node-a", family, ["-d", ipOf(to, family), ...echo, "-j", "REJECT", "--reject-with", prohibited]);
      }
      await insert("node-a", family, ["-d", ipOf("f1", family), "-p", "udp", "-j", "REJECT", "--reject-with", prohibited]);
    }
    // IPv4 TCP is refused by ICMP as well. IPv6 TCP is not, on veths: the ICMPv6 error comes back while
    // connect() still holds the socket lock, and the kernel keeps it as a soft error (TcpExtLockDroppedIcmps).
    await insert("node-a", 4, ["-d", ipOf("f3", 4), "-p", "tcp", "-j", "REJECT"]);
    const list = [
      ...["r3", "r2", "f1"].flatMap((from) => [...both(from, "r1"), ...pings(from, "r1")]),
      ...["f1", "r3"].flatMap((from) => [...both(from, "f2"), ...pings(from, "f2")]),
      ...both("r3", "f1").filter((p) => p.protocol === "UDP"),
      { from: "r3", to: "f3", port: TCP, protocol: "TCP" as const, family: 4 as const },
    ];
    const results = await lab.probeMany(list);
    expect(summary(results.filter((r) => r.outcome !== "refused"))).toEqual([]);
    for (const r of results) expect(r.ms).toBeLessThan(TIMEOUT / 2);
  });

  it("bridge mode: a physdev rule in FORWARD separates two workloads on the same bridge, thanks to bridge-nf-call-iptables", async () => {
    const a = lab.nodeRunner("node-a");
    for (const family of [4, 6] as const) {
      // Per protocol, so that neighbour discovery (ICMPv6, which ip6tables sees on a bridge) still passes.
      for (const proto of ["tcp", "udp"]) await insert("node-a", family, ["-m", "physdev", "--physdev-in", "vf1", "-p", proto, "-j", "DROP"]);
    }
    const [blocked, other] = await Promise.all([lab.probeMany(both("f1", "f2")), lab.probeMany(both("f2", "f3"))]);
    expect(blocked.map((r) => r.outcome)).toEqual(blocked.map(() => "timeout"));
    expect(summary(other.filter((r) => !r.connected))).toEqual([]);

    const setBridgeNf = (v: string) => runOk(a, "sysctl", ["-q", "-w", `net.bridge.bridge-nf-call-iptables=${v}`, `net.bridge.bridge-nf-call-ip6tables=${v}`]);
    await setBridgeNf("0");
    try {
      const bypassed = await lab.probeMany(both("f1", "f2"));
      expect(summary(bypassed.filter((r) => !r.connected))).toEqual([]);
    } finally {
      await setBridgeNf("1");
    }
  });

  it("shows what a spoofed source delivers (udpSeen), and that a FORWARD rule on the interface stops it", async () => {
    const r3 = lab.plan.workloads.find((w) => w.id === "r3")!;
    const spoofed = { 4: "10.61.0.200", 6: "fd61::200" } as const;
    const r3ns = lab.workloadRunner("r3");
    for (const family of [4, 6] as const) await runOk(r3ns, "ip", ["addr", "add", spoofed[family], "dev", "eth0", ...(family === 6 ? ["nodad"] : [])]);
    try {
      await lab.udpSeen("r1");
      const probes = ([4, 6] as const).map((family) => ({ from: "r3", to: "r1", port: UDP, protocol: "UDP" as const, family, source: spoofed[family] }));
      // The echo goes to an address that lives nowhere, so the prober never hears back; r1 did receive.
      expect((await lab.probeMany(probes)).map((r) => r.outcome)).toEqual(["timeout", "timeout"]);
      expect((await lab.udpSeen("r1")).map((d) => d.from).sort()).toEqual([spoofed[4], spoofed[6]]);

      for (const family of [4, 6] as const) await insert("node-a", family, ["-i", r3.hostInterface, "!", "-s", ipOf("r3", family), "-j", "DROP"]);
      await lab.probeMany(probes);
      expect(await lab.udpSeen("r1")).toEqual([]);
      expect(summary((await lab.probeMany(both("r3", "r1"))).filter((r) => !r.connected))).toEqual([]);
    } finally {
      for (const family of [4, 6] as const) await runOk(r3ns, "ip", ["addr", "del", `${spoofed[family]}/${family === 4 ? 32 : 128}`, "dev", "eth0"]);
    }
  });

  it("refuses probes to a port nobody listens on, and rejects probes the lab cannot make", async () => {
    const results = await lab.probeMany(both("r1", "f3").map((p) => ({ ...p, port: 9 })));
    expect(results.map((r) => r.outcome)).toEqual(results.map(() => "refused"));
    await expect(lab.probe("r1", "nobody", TCP, "TCP")).rejects.toThrow(/neither a workload of the lab nor an IP address/);
    await expect(lab.probe("r1", "f3", TCP, "SCTP" as "TCP")).rejects.toThrow(/TCP, UDP and ICMP only/);
  });

  it("runs probes concurrently: many timeouts take about one timeout, not their sum", async () => {
    await insert("node-a", 4, ["-d", ipOf("r1", 4), "-j", "DROP"]);
    const list = ["r2", "r3", "f1", "f2", "f3"].flatMap((from) => [1, 2, 3, 4].map((i) => ({ from, to: "r1", port: TCP + i, protocol: "TCP" as const })));
    const started = performance.now();
    const results = await lab.probeMany(list);
    const ms = performance.now() - started;
    expect(results.every((r) => r.outcome === "timeout")).toBe(true);
    expect(ms).toBeLessThan((list.length * TIMEOUT) / 4);
  });

  it("destroy kills the agents and deletes every namespace with the prefix, and may be called again", async () => {
    const host = processRunner();
    const pids = await Promise.all(lab.plan.workloads.map(async (w) => (await runOk(host, "ip", ["netns", "pids", w.netns])).stdout.split(/\s+/).filter(Boolean)));
    // One long-lived process per workload namespace: its agent.
    expect(pids.map((p) => p.length)).toEqual(lab.plan.workloads.map(() => 1));
    const agentPids = pids.flat().map(Number);
    destroyed = true;
    await lab.destroy();
    expect((await listNamespaces()).filter((n) => n.startsWith(prefix))).toEqual([]);
    expect(agentPids.filter(alive)).toEqual([]);
    await lab.destroy();
    await expect(lab.probe("r1", "r2", TCP, "TCP")).rejects.toThrow(/destroyed/);
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
