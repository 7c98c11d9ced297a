// Prometheus metrics of one server instance (its own registry, so tests can run several servers).
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import type { DesiredState } from "./desired-state.js";
import type { NodeRow } from "./nodes.js";

export interface ServerMetrics {
  registry: Registry;
  requests: Counter<"route" | "method" | "status">;
  watchers: Gauge;
}

export function serverMetrics(state: DesiredState, nodes: () => Promise<NodeRow[]>): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "moat_server_" });
  const requests = new Counter({ name: "moat_http_requests_total", help: "HTTP requests by route, method and status", labelNames: ["route", "method", "status"], registers: [registry] });
  const watchers = new Gauge({ name: "moat_watchers", help: "open watch streams", registers: [registry] });
  new Gauge({
    name: "moat_store_revision",
    help: "the store's current revision",
    registers: [registry],
    async collect() {
      this.set(await state.store.revision());
    },
  });
  // Collected first (registered first), it fills both gauges from one look at the nodes.
  const lag: Gauge<"node"> = new Gauge({ name: "moat_node_lag_revisions", help: "how many revisions each node is behind the store", labelNames: ["node"], registers: [] });
  new Gauge({
    name: "moat_node_applied_revision",
    help: "the revision each node reports applied",
    labelNames: ["node"],
    registers: [registry],
    async collect() {
      this.reset();
      lag.reset();
      for (const n of await nodes()) {
        if (n.revision === null) continue;
        this.set({ node: n.node }, n.revision);
        lag.set({ node: n.node }, n.lag ?? 0);
      }
    },
  });
  registry.registerMetric(lag);
  return { registry, requests, watchers };
}
