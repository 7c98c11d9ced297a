// `moat agent`: keep this node (or a network namespace of it) enforcing the server's desired state.
import { pino } from "pino";
import { AgentMetrics, NodeAgent } from "../../agent/index.js";
import { processRunner, type BackendChoice, type Runner } from "../../dataplane/index.js";
import { parseIp } from "../../model/index.js";
import { parseListen } from "../../server/index.js";
import { kernelRuleCounters } from "../../service/index.js";
import type { RegisterCommand } from "../context.js";
import { UsageError } from "../errors.js";
import { clientOf, withServer, type ServerFlags } from "../online.js";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "500ms", "30s", "2m", "1h", or plain milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  const n = m ? Number(m[1]) * UNIT_MS[m[2] ?? "ms"]! : NaN;
  if (!(n >= 10 && n <= 24 * 3600_000)) throw new UsageError(`${flag} ${JSON.stringify(text)} is not a duration between 10ms and 24h (e.g. 500ms, 30s, 2m, 1h)`);
  return Math.round(n);
}

const BACKENDS = ["auto", "iptables", "nftables"] as const;
const OVERLAYS = ["routed", "vxlan"] as const;

/** The underlay IPv4 address: given, or the first IPv4 address of the given interface. */
async function underlayAddress(runner: Runner, address?: string, iface?: string): Promise<string> {
  if (address) {
    const p = parseIp(address);
    if (!p.ok || p.value.family !== 4) throw new UsageError(`--underlay-address ${JSON.stringify(address)} is not an IPv4 address`);
    return p.value.text;
  }
  if (!iface) throw new UsageError("--overlay vxlan needs --underlay-address IP or --underlay-interface NAME (where VXLAN packets leave this node)");
  const r = await runner.run("ip", ["-j", "-4", "addr", "show", "dev", iface]);
  const found = r.code === 0 ? (JSON.parse(r.stdout || "[]") as { addr_info?: { local?: string }[] }[])[0]?.addr_info?.[0]?.local : undefined;
  if (!found) throw new UsageError(`--underlay-interface ${JSON.stringify(iface)}: no such interface with an IPv4 address${r.stderr ? ` (${r.stderr.trim()})` : ""}`);
  return found;
}

export const registerAgent: RegisterCommand = (program, { io }) => {
  withServer(program.command("agent").description("keep this node's kernel enforcing the server's resources: list, watch, compile, apply, restore"))
    .requiredOption("--node <name>", "the node this agent enforces (workloads with this spec.node are local)")
    .option("--state-dir <dir>", "where the last applied Plan is kept, and applied first at start", "/var/lib/moat")
    .option("--resync <duration>", "full comparison with the kernel this often", "30s")
    .option("--check-interval <duration>", "look for outside changes (a firewall reload) this often", "500ms")
    .option("--netns <name>", "enforce in this network namespace (ip netns) instead of the agent's own")
    .option("--backend <backend>", "auto, iptables or nftables", "auto")
    .option("--metrics <host:port>", "serve Prometheus metrics at http://HOST:PORT/metrics")
    .option("--overlay <mode>", "routed (the network routes workload addresses already) or vxlan (keep moat.vx and routes to the other nodes' workloads)", "routed")
    .option("--underlay-address <ip>", "with --overlay vxlan: this node's IPv4 address that other nodes reach (reported to the server)")
    .option("--underlay-interface <name>", "with --overlay vxlan: take the underlay address from this interface's first IPv4 address")
    .action(async (opts: ServerFlags & { node: string; stateDir: string; resync: string; checkInterval: string; netns?: string; backend: string; metrics?: string; overlay: string; underlayAddress?: string; underlayInterface?: string }) => {
      const client = clientOf(opts);
      if (!client) throw new UsageError("agent needs --server URL (or MOAT_SERVER)");
      if (!BACKENDS.includes(opts.backend as BackendChoice)) throw new UsageError(`--backend ${JSON.stringify(opts.backend)} is not one of ${BACKENDS.join(", ")}`);
      if (!OVERLAYS.includes(opts.overlay as (typeof OVERLAYS)[number])) throw new UsageError(`--overlay ${JSON.stringify(opts.overlay)} is not one of ${OVERLAYS.join(", ")}`);
      if (opts.overlay === "routed" && (opts.underlayAddress || opts.underlayInterface)) throw new UsageError("--underlay-address and --underlay-interface need --overlay vxlan");
      const runner = processRunner(opts.netns);
      const overlay = opts.overlay === "vxlan" ? { underlay: await underlayAddress(runner, opts.underlayAddress, opts.underlayInterface) } : undefined;
      const resyncMs = parseDuration(opts.resync, "--resync");
      const checkMs = parseDuration(opts.checkInterval, "--check-interval");
      const listen = opts.metrics ? parseListen(opts.metrics) : undefined;
      const log = pino({ base: { node: opts.node } });
      const metrics = new AgentMetrics(listen ? { ruleCounters: () => kernelRuleCounters(runner) } : {});
      const httpServer = listen ? await metrics.serve(listen.host, listen.port) : undefined;
      const agent = new NodeAgent({ client, node: opts.node, runner, stateDir: opts.stateDir, log, metrics, resyncMs, checkMs, backend: opts.backend as BackendChoice, ...(overlay ? { overlay } : {}) });
      await agent.start();
      const bound = httpServer?.address();
      const metricsUrl = bound && typeof bound === "object" ? ` (metrics on http://${bound.family === "IPv6" ? `[${bound.address}]` : bound.address}:${bound.port}/metrics)` : "";
      io.err(`moat agent for node ${opts.node} following ${client.url}${opts.netns ? ` in network namespace ${opts.netns}` : ""}${overlay ? `, overlay vxlan from ${overlay.underlay}` : ""}${metricsUrl}`);
      await new Promise<void>((resolve) => {
        process.once("SIGTERM", resolve);
        process.once("SIGINT", resolve);
      });
      await agent.close();
      httpServer?.close();
      log.info("stopped; the rules stay in place");
    });
};
