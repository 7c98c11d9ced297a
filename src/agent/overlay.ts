// Keeps this node's VXLAN overlay (moat.vx, its FDB and neighbour entries, routes to the workloads of
// the other nodes) in step with the model and with the underlay addresses the nodes' agents report.
// The model comes from the agent's watch; peers' addresses from GET /v1/nodes, polled, since node reports
// are not desired state and so not in the watch stream. Every kernel write goes through the agent's queue.
import type { Logger } from "pino";
import { api, type Client } from "../client/index.js";
import { applyOverlay, type Runner } from "../dataplane/index.js";
import type { Model } from "../model/index.js";
import { desiredOverlay } from "../overlay/index.js";

export interface OverlayOptions {
  /** This node's underlay IPv4 address: the source of its VXLAN packets, reported to the server. */
  underlay: string;
  /** How often the other nodes' underlay addresses are read from the server, in ms (default 2 s). */
  peersMs?: number;
}

export class OverlayKeeper {
  private model?: Model;
  private underlays = new Map<string, string>();
  private appliedKey = "";
  lastError: string | null = null;

  constructor(
    private readonly opts: OverlayOptions & { node: string; runner: Runner; client: Client; log: Logger },
  ) {
    this.underlays.set(opts.node, opts.underlay);
  }

  get underlay(): string {
    return this.opts.underlay;
  }

  setModel(model: Model): void {
    this.model = model;
  }

  /** Reads the nodes' underlay addresses; true when they changed. */
  async refreshPeers(): Promise<boolean> {
    const nodes = await api.nodes(this.opts.client);
    const next = new Map<string, string>([[this.opts.node, this.opts.underlay]]);
    for (const row of nodes.items) if (typeof row.node === "string" && typeof row.underlay === "string" && row.node !== this.opts.node) next.set(row.node, row.underlay);
    const same = next.size === this.underlays.size && [...next].every(([n, a]) => this.underlays.get(n) === a);
    this.underlays = next;
    return !same;
  }

  /** Makes the kernel match; with force, reads it back even when nothing it depends on changed. */
  async sync(force = false): Promise<void> {
    if (!this.model) return;
    const desired = desiredOverlay(this.model, this.opts.node, this.underlays);
    const key = JSON.stringify(desired);
    if (!force && key === this.appliedKey && !this.lastError) return;
    try {
      const report = await applyOverlay(this.opts.runner, desired);
      this.appliedKey = key;
      this.lastError = null;
      if (report.changed) this.opts.log.info({ changes: report.summary.length, first: report.summary.slice(0, 5), unknownPeers: desired.unknownPeers }, "overlay updated");
    } catch (e) {
      this.lastError = `overlay: ${(e as Error).message.split("\n")[0]}`;
      this.opts.log.error({ err: this.lastError }, "overlay update failed; will retry");
    }
  }
}
