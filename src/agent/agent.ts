// The node agent: keeps one node's kernel enforcing the server's desired state.
//
// Goals: enforce at once on start (the last applied Plan from disk, before any server contact); follow
// the store (list, then watch from that revision; 410 means list again); apply only when this node's
// Plan changes; put the rules back when something outside removes them (guard every --check-interval,
// full comparison every --resync); keep enforcing what it has while the server is gone (capped
// exponential backoff with jitter); report what it applied. SIGTERM leaves the rules in place.
// How: one queue serialises every kernel write (reconcile, restore), so they never interleave; events
// are coalesced, so a burst of writes becomes one apply; the dataplane's own lock keeps other moat
// processes out of the same network namespace.
import type { Logger } from "pino";
import { api, type Client, type WatchEvent } from "../client/index.js";
import type { Plan } from "../compile/index.js";
import { applyPlan, readStatus, type ApplyReport, type BackendChoice, type Runner } from "../dataplane/index.js";
import { MoatError } from "../errors/index.js";
import { assembleModel, nodePlan, withoutResourceVersion } from "../service/index.js";
import { backoffMs, sleep } from "./backoff.js";
import { loadLastPlan, saveLastPlan, type LastPlan } from "./last-plan.js";
import type { AgentMetrics } from "./metrics.js";
import { OverlayKeeper, type OverlayOptions } from "./overlay.js";

export interface AgentOptions {
  client: Client;
  node: string;
  runner: Runner;
  stateDir: string;
  log: Logger;
  metrics: AgentMetrics;
  /** Full comparison with the kernel, in ms (default 30 s). */
  resyncMs?: number;
  /** How often the kernel is checked for outside changes, in ms (default 500). */
  checkMs?: number;
  backend?: BackendChoice;
  /** Keep a VXLAN overlay to the other nodes (absent: the network routes workload addresses already). */
  overlay?: OverlayOptions;
}

type Manifest = Record<string, unknown>;
const keyOf = (m: Manifest) => {
  const meta = (m.metadata ?? {}) as { name?: string; namespace?: string };
  return `${String(m.kind)}/${meta.namespace ?? ""}/${meta.name ?? ""}`;
};

export class NodeAgent {
  private readonly stop = new AbortController();
  /** The store's resources in the server's order (creation order), keyed by kind/namespace/name. */
  private resources = new Map<string, Manifest>();
  /** The newest store revision seen. */
  private revision = 0;
  private listed = false;
  private applied?: LastPlan;
  private lastError: string | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private reconcileScheduled = false;
  private reported = { revision: -1, hash: "", error: null as string | null, at: 0 };
  private loops: Promise<void>[] = [];
  private readonly overlay?: OverlayKeeper;
  private warnedIdentity = false;

  constructor(private readonly opts: AgentOptions) {
    if (opts.overlay) this.overlay = new OverlayKeeper({ ...opts.overlay, node: opts.node, runner: opts.runner, client: opts.client, log: opts.log });
  }

  get backendOpts() {
    return this.opts.backend ? { backend: this.opts.backend } : {};
  }

  /** Enforces the last Plan from disk, then follows the server until stopped. */
  async start(): Promise<void> {
    const last = loadLastPlan(this.opts.stateDir, this.opts.node);
    if (last) {
      this.opts.log.info({ revision: last.revision, hash: last.hash }, "enforcing the last applied plan from disk before contacting the server");
      await this.serialised(() => this.put(last.plan, last.revision, last.hash, "start"));
    }
    this.loops = [this.followLoop(), this.guardLoop(), this.heartbeatLoop(), ...(this.overlay ? [this.overlayLoop()] : [])];
  }

  /** Stops following; the rules stay in the kernel. */
  async close(): Promise<void> {
    this.stop.abort();
    await Promise.allSettled(this.loops);
    await this.queue.catch(() => {});
  }

  get status() {
    return { revision: this.applied?.revision ?? 0, planHash: this.applied?.hash ?? "", error: this.lastError ?? this.overlay?.lastError ?? null };
  }

  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => {});
    return next;
  }

  private async put(plan: Plan, revision: number, hash: string, why: string): Promise<ApplyReport | undefined> {
    const end = this.opts.metrics.duration.startTimer();
    try {
      const report = await applyPlan(this.opts.runner, plan, this.backendOpts);
      end();
      this.applied = { version: 1, node: this.opts.node, revision, hash, plan };
      saveLastPlan(this.opts.stateDir, this.applied);
      this.lastError = null;
      this.opts.metrics.revision.set(revision);
      if (report.changed) this.opts.metrics.applies.inc();
      this.opts.log.info({ why, revision, hash, changed: report.changed, rulesChanged: report.rulesChanged, backend: report.backend, ms: Math.round(report.timings.kernel) }, report.changed ? "applied" : "already applied");
      return report;
    } catch (e) {
      end();
      this.opts.metrics.failures.inc();
      this.lastError = (e as Error).message;
      this.opts.log.error({ why, revision, err: this.lastError }, "apply failed; the rules in force stay");
      return undefined;
    }
  }

  /** Compiles this node's Plan from the resources and applies it if it differs from what is applied. */
  private reconcile(): Promise<void> {
    return this.serialised(async () => {
      const revision = this.revision;
      let compiled: { plan: Plan; hash: string };
      try {
        const docs = [...this.resources.values()].map((doc, index) => ({ file: "<server>", index, doc }));
        const model = assembleModel({ docs, issues: [] });
        compiled = nodePlan(model, this.opts.node);
        this.overlay?.setModel(model);
        if (model.settings.identity === "mark" && !this.overlay && !this.warnedIdentity) {
          this.warnedIdentity = true;
          this.opts.log.warn("Settings identity is mark but this agent keeps no overlay (--overlay vxlan): packets from other nodes arrive without identity and are judged as from outside");
        }
      } catch (e) {
        this.lastError = `the server's resources do not build a model: ${(e as Error).message.split("\n")[0]}`;
        this.opts.log.error({ revision, err: this.lastError }, "cannot compile; the rules in force stay");
        return;
      }
      // Rules first, routes after: a route to a new remote workload is there only once the rules know it.
      if (this.applied?.hash === compiled.hash) {
        this.applied = { ...this.applied, revision };
        this.opts.metrics.revision.set(revision);
      } else await this.put(compiled.plan, revision, compiled.hash, "change");
      await this.overlay?.sync();
    }).then(() => this.report());
  }

  /** Many events in a row (one write of several resources, or a relist) give one reconcile. */
  private scheduleReconcile(): void {
    if (this.reconcileScheduled) return;
    this.reconcileScheduled = true;
    setImmediate(() => {
      this.reconcileScheduled = false;
      void this.reconcile();
    });
  }

  private onEvent(e: WatchEvent): void {
    if (e.type !== "BOOKMARK") {
      const object = withoutResourceVersion(e.object) as Manifest;
      if (e.type === "DELETED") this.resources.delete(keyOf(object));
      else this.resources.set(keyOf(object), object);
    }
    if (e.revision <= this.revision && e.type === "BOOKMARK") return;
    this.revision = Math.max(this.revision, e.revision);
    this.scheduleReconcile();
  }

  private async followLoop(): Promise<void> {
    const { client, log } = this.opts;
    let failures = 0;
    while (!this.stop.signal.aborted) {
      try {
        if (!this.listed) {
          const all = await api.listAll(client);
          this.resources = new Map(all.items.map((m) => withoutResourceVersion(m) as Manifest).map((m) => [keyOf(m), m]));
          this.revision = all.revision;
          this.listed = true;
          log.info({ revision: all.revision, resources: all.items.length, server: client.url }, "listed");
          this.scheduleReconcile();
        }
        let first = true;
        await api.watch(client, this.revision, (e) => {
          if (first) {
            // The server sends a BOOKMARK at once: the watch is live, on this server.
            log.info({ server: client.url, revision: this.revision }, "watching");
            first = false;
          }
          failures = 0;
          this.onEvent(e);
        }, { signal: this.stop.signal, idleMs: 20_000 });
      } catch (e) {
        if (this.stop.signal.aborted) break;
        if (e instanceof MoatError && e.kind === "gone") {
          log.warn({ revision: this.revision }, "watch revision compacted (410): listing again");
          this.listed = false;
          continue;
        }
        const wait = backoffMs(failures++);
        log.warn({ err: (e as Error).message, retryInMs: wait }, "server unreachable; enforcing what we have");
        await sleep(wait, this.stop.signal);
      }
    }
  }

  /** Puts the rules back when the kernel no longer holds what was applied (another firewall's reload). */
  private async guardLoop(): Promise<void> {
    const checkMs = this.opts.checkMs ?? 500;
    const resyncMs = this.opts.resyncMs ?? 30_000;
    let lastFull = Date.now();
    while (!this.stop.signal.aborted) {
      await sleep(checkMs, this.stop.signal);
      if (this.stop.signal.aborted || !this.applied) continue;
      const full = Date.now() - lastFull >= resyncMs;
      if (full) lastFull = Date.now();
      await this.serialised(async () => {
        const applied = this.applied!;
        let drift: string[] = [];
        try {
          const s = await readStatus(this.opts.runner, this.backendOpts);
          drift = s.agrees && s.record?.planHash === applied.hash ? [] : s.differences.length ? s.differences.map((d) => d.detail) : [`the kernel holds plan ${s.record?.planHash ?? "none"}, not ${applied.hash}`];
        } catch (e) {
          drift = [`cannot read the kernel: ${(e as Error).message}`];
        }
        if (full) await this.overlay?.sync(true);
        if (!drift.length && !full) return;
        const started = Date.now();
        const report = await this.put(applied.plan, applied.revision, applied.hash, drift.length ? "restore" : "resync");
        if (report?.changed) {
          this.opts.metrics.restores.inc();
          this.opts.log.warn({ drift, ms: Date.now() - started }, "the kernel had changed from outside; restored");
        }
      });
      void this.report();
    }
  }

  /** Follows the other nodes' underlay addresses (node reports are not in the watch stream). */
  private async overlayLoop(): Promise<void> {
    const overlay = this.overlay!;
    while (!this.stop.signal.aborted) {
      try {
        if (await overlay.refreshPeers()) await this.serialised(() => overlay.sync());
      } catch (e) {
        this.opts.log.debug({ err: (e as Error).message }, "cannot read the nodes' underlay addresses; will retry");
      }
      await sleep(this.opts.overlay!.peersMs ?? 2000, this.stop.signal);
    }
  }

  private async heartbeatLoop(): Promise<void> {
    while (!this.stop.signal.aborted) {
      await sleep(10_000, this.stop.signal);
      if (!this.stop.signal.aborted) await this.report(true);
    }
  }

  /** Tells the server what this node enforces, when that changed (or as a heartbeat). */
  private async report(force = false): Promise<void> {
    const s = this.status;
    if (!this.applied && !s.error && !this.overlay) return;
    const same = s.revision === this.reported.revision && s.planHash === this.reported.hash && s.error === this.reported.error;
    if (same && !force) return;
    try {
      await api.reportStatus(this.opts.client, this.opts.node, { revision: s.revision, planHash: s.planHash, error: s.error, ...(this.overlay ? { underlay: this.overlay.underlay } : {}) });
      this.reported = { revision: s.revision, hash: s.planHash, error: s.error, at: Date.now() };
    } catch (e) {
      this.opts.log.debug({ err: (e as Error).message }, "status report failed; will retry");
    }
  }
}
