// New-connection latency through a node's namespace: two workload namespaces wired to it, one as a local
// workload of the Plan (host end named as the Plan's interface, so anti-spoofing and dispatch see it),
// one as a workload of another node arriving over an uplink. Each TCP connect is a new conntrack entry,
// so every one walks moat's rules. Used by bench/apply.ts: with no rules, then with the Plan applied.
import { spawn, type ChildProcess } from "node:child_process";
import { processRunner, runOk } from "../src/dataplane/index.js";

export interface LatencyPair {
  /** Namespaces of the two workloads. */
  client: string;
  server: string;
  serverIp: string;
  port: number;
  /** A second port the server listens on, which the Plan does not allow: proof that rules are in force. */
  deniedPort: number;
  stop(): Promise<void>;
}

const CONNECTS = 400;
const WARMUP = 5;

/** Wires `local` (a workload of the node) and `remote` (arriving from elsewhere) to node namespace `node`. */
export async function wirePair(node: string, local: { ip: string; iface: string }, remote: { ip: string }, port: number, deniedPort: number): Promise<LatencyPair> {
  const host = processRunner();
  const n = processRunner(node);
  const server = `${node}-srv`;
  const client = `${node}-cli`;
  for (const ns of [server, client]) await runOk(host, "ip", ["netns", "add", ns]);
  const wire = async (ns: string, hostEnd: string, ip: string) => {
    await runOk(host, "ip", ["link", "add", hostEnd, "netns", node, "type", "veth", "peer", "name", "eth0", "netns", ns]);
    const w = processRunner(ns);
    await runOk(w, "ip", ["addr", "add", `${ip}/32`, "dev", "eth0"]);
    await runOk(w, "ip", ["link", "set", "lo", "up"]);
    await runOk(w, "ip", ["link", "set", "eth0", "up"]);
    await runOk(w, "ip", ["route", "add", "default", "dev", "eth0"]);
    // An address of the node's own on the link, as Calico gives its host ends: without one the node
    // cannot ARP for the workload and sends it frames to the broadcast address, which TCP ignores.
    await runOk(n, "ip", ["addr", "add", "169.254.1.1/32", "dev", hostEnd]);
    await runOk(n, "ip", ["link", "set", hostEnd, "up"]);
    await runOk(n, "ip", ["route", "add", `${ip}/32`, "dev", hostEnd]);
    // The workload ARPs for every destination on its link: the node answers for them, at once (proxy
    // answers wait up to proxy_delay, 0.8 s, by default).
    await runOk(n, "sysctl", ["-qw", `net.ipv4.conf.${hostEnd}.proxy_arp=1`, `net.ipv4.neigh.${hostEnd}.proxy_delay=0`]);
  };
  await runOk(n, "sysctl", ["-qw", "net.ipv4.ip_forward=1"]);
  await wire(server, local.iface, local.ip);
  await wire(client, "uplink0", remote.ip);
  const listener: ChildProcess = spawn("ip", ["netns", "exec", server, process.execPath, "-e", `const net = require("net"); net.createServer((s) => s.end()).listen(${deniedPort}, "${local.ip}", () => net.createServer((s) => s.end()).listen(${port}, "${local.ip}", () => console.log("ready")))`], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("latency server did not listen within 10 s")), 10_000);
    listener.stdout!.once("data", () => (clearTimeout(timer), resolve()));
    listener.once("exit", (code) => (clearTimeout(timer), reject(new Error(`latency server exited ${code}`))));
  });
  return {
    client,
    server,
    serverIp: local.ip,
    port,
    deniedPort,
    async stop() {
      listener.kill();
      for (const ns of [server, client]) await host.run("ip", ["netns", "del", ns]);
    },
  };
}

/** p50 and p99 of CONNECTS sequential TCP connects (ms) after WARMUP more, each bounded by 1 s; throws if any fails. */
export async function connectLatency(pair: LatencyPair): Promise<{ p50: number; p99: number }> {
  const script = `
    const net = require("net");
    const out = [];
    (async () => {
      // The first few resolve neighbours and warm up; they are not counted.
      for (let i = 0; i < ${CONNECTS} + ${WARMUP}; i++) {
        const t = process.hrtime.bigint();
        await new Promise((resolve, reject) => {
          const s = net.connect({ host: "${pair.serverIp}", port: ${pair.port} });
          s.setTimeout(1000, () => (s.destroy(), reject(new Error("connect timed out"))));
          s.once("connect", () => { if (i >= ${WARMUP}) out.push(Number(process.hrtime.bigint() - t) / 1e6); s.destroy(); resolve(); });
          s.once("error", reject);
        });
      }
      console.log(JSON.stringify(out));
    })().catch((e) => { console.error(e.message); process.exit(1); });`;
  const r = await runOk(processRunner(), "ip", ["netns", "exec", pair.client, process.execPath, "-e", script]);
  const times = (JSON.parse(r.stdout) as number[]).sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  return { p50: at(0.5), p99: at(0.99) };
}

/** Whether one TCP connect from the client to `port` gets through within 500 ms. */
export async function connects(pair: LatencyPair, port: number): Promise<boolean> {
  const script = `const s = require("net").connect({ host: "${pair.serverIp}", port: ${port} });
    s.setTimeout(500, () => process.exit(1)); s.once("connect", () => process.exit(0)); s.once("error", () => process.exit(1));`;
  return (await processRunner().run("ip", ["netns", "exec", pair.client, process.execPath, "-e", script])).code === 0;
}
