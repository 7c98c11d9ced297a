// Nodes: those the model places workloads on, and those whose agents report, with what each applied.
import type { Model } from "../model/index.js";
import { modelNodes, nodePlan } from "../service/index.js";
import type { NodeStatus } from "../store/index.js";
import type { DesiredState } from "./desired-state.js";

export interface NodeRow {
  node: string;
  /** The revision the node has applied; null when its agent never reported. */
  revision: number | null;
  /** How many revisions the node is behind the store. */
  lag: number | null;
  planHash: string | null;
  /** The hash of the Plan the node should have now; equal to planHash when it enforces the latest. */
  expectedPlanHash: string;
  inSync: boolean;
  reportedAt: string | null;
  error: string | null;
  backend?: string;
  /** Where the node's VXLAN packets come from and go to, when its agent keeps an overlay. */
  underlay?: string;
}

/** Each node's expected Plan hash, computed once per model (a model is built once per revision). */
const expectedHashes = new WeakMap<Model, Map<string, string>>();

function expectedHash(model: Model, node: string): string {
  let hashes = expectedHashes.get(model);
  if (!hashes) expectedHashes.set(model, (hashes = new Map()));
  let hash = hashes.get(node);
  if (hash === undefined) hashes.set(node, (hash = nodePlan(model, node).hash));
  return hash;
}

export async function nodeRows(state: DesiredState): Promise<NodeRow[]> {
  const view = await state.view();
  const reports = new Map((await state.store.listNodeStatus()).map((s) => [s.node, s]));
  const names = [...new Set([...modelNodes(view.model), ...reports.keys()])].sort();
  return names.map((node) => row(node, reports.get(node), expectedHash(view.model, node), view.revision));
}

function row(node: string, s: NodeStatus | undefined, expected: string, revision: number): NodeRow {
  return {
    node,
    revision: s?.revision ?? null,
    lag: s ? Math.max(0, revision - s.revision) : null,
    planHash: s?.planHash ?? null,
    expectedPlanHash: expected,
    inSync: s?.planHash === expected && !s.error,
    reportedAt: s?.reportedAt ?? null,
    error: s?.error ?? null,
    ...(s?.backend ? { backend: s.backend } : {}),
    ...(s?.underlay ? { underlay: s.underlay } : {}),
  };
}
