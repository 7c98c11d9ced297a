// The agent's Prometheus metrics, served on --metrics HOST:PORT when asked.
import { createServer, type Server } from "node:http";
import { Counter, Gauge, Histogram, Registry } from "prom-client";

export class AgentMetrics {
  readonly registry = new Registry();
  readonly applies = new Counter({ name: "moat_agent_applies_total", help: "applies that changed the kernel", registers: [this.registry] });
  readonly failures = new Counter({ name: "moat_agent_apply_failures_total", help: "applies that failed", registers: [this.registry] });
  readonly restores = new Counter({ name: "moat_agent_restores_total", help: "times the kernel had been changed from outside and was put back", registers: [this.registry] });
  readonly duration = new Histogram({ name: "moat_agent_apply_duration_seconds", help: "time an apply took", buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [this.registry] });
  readonly revision = new Gauge({ name: "moat_agent_applied_revision", help: "the store revision the node enforces", registers: [this.registry] });

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
