// The agent's Prometheus metrics, served on --metrics HOST:PORT when asked.
import { createServer, type Server } from "node:http";
import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** One policy rule's kernel counters, as the agent reads them at scrape time. */
export interface RuleCounterRow {
  policy: string;
  stage: "ingress" | "egress";
  rule: number;
  action: string;
  packets: bigint;
  bytes: bigint;
}

export interface AgentMetricsOptions {
  /** Reads the kernel's per policy rule counters; called on each scrape (they are the kernel's, not ours). */
  ruleCounters?: () => Promise<RuleCounterRow[]>;
}

export class AgentMetrics {
  readonly registry = new Registry();
  readonly applies = new Counter({ name: "moat_agent_applies_total", help: "applies that changed the kernel", registers: [this.registry] });
  readonly failures = new Counter({ name: "moat_agent_apply_failures_total", help: "applies that failed", registers: [this.registry] });
  readonly restores = new Counter({ name: "moat_agent_restores_total", help: "times the kernel had been changed from outside and was put back", registers: [this.registry] });
  readonly duration = new Histogram({ name: "moat_agent_apply_duration_seconds", help: "time an apply took", buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [this.registry] });
  readonly revision = new Gauge({ name: "moat_agent_applied_revision", help: "the store revision the node enforces", registers: [this.registry] });

  constructor(opts: AgentMetricsOptions = {}) {
    const read = opts.ruleCounters;
    if (!read) return;
    // Counters the kernel keeps: each scrape sets them to what it reads (a rewrite of the rules starts
    // them again from zero, which Prometheus takes as a counter reset). "rule" is i0, e1: stage and index.
    const labelNames = ["policy", "rule", "action"] as const;
    let rows: Promise<RuleCounterRow[]> | undefined;
    const once = () => (rows ??= read().catch(() => []).finally(() => setTimeout(() => (rows = undefined), 0)));
    const fill = async (c: Counter<(typeof labelNames)[number]>, pick: (r: RuleCounterRow) => bigint) => {
      const got = await once();
      c.reset();
      for (const r of got) c.inc({ policy: r.policy, rule: `${r.stage[0]}${r.rule}`, action: r.action }, Number(pick(r)));
    };
    new Counter({ name: "moat_rule_packets_total", help: "packets the kernel rules of a policy rule matched", labelNames, registers: [this.registry], async collect() { await fill(this, (r) => r.packets); } });
    new Counter({ name: "moat_rule_bytes_total", help: "bytes the kernel rules of a policy rule matched", labelNames, registers: [this.registry], async collect() { await fill(this, (r) => r.bytes); } });
  }

  serve(host: string, port: number): Promise<Server> {
    const server = createServer((req, res) => {
      if (req.url !== "/metrics") return void res.writeHead(404).end();
      void this.registry.metrics().then((text) => res.writeHead(200, { "content-type": this.registry.contentType }).end(text));
    });
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve(server));
    });
  }
}
