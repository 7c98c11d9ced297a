// Tiny builders for moat.dev/v1 manifests as plain objects, so a test states its model in a few lines
// and goes through the same buildModel that files do.
import { API_VERSION, buildModel, formatIssue, type Issue, type Model, type SourcedDoc } from "../../src/model/index.js";

type Labels = Record<string, string>;
type Doc = Record<string, unknown>;

export function network(name: string, subnets: string[], isolation?: "none" | "network" | "workload", labels?: Labels): Doc {
  return { apiVersion: API_VERSION, kind: "Network", metadata: { name, ...(labels ? { labels } : {}) }, spec: { subnets, ...(isolation ? { isolation } : {}) } };
}

export interface WorkloadOptions {
  network: string;
  ips: string[];
  node?: string;
  labels?: Labels;
  namespace?: string;
  ports?: { name: string; port: number; protocol?: "TCP" | "UDP" | "SCTP" }[];
  interface?: string;
}

export function workload(name: string, o: WorkloadOptions): Doc {
  const metadata = { name, ...(o.namespace ? { namespace: o.namespace } : {}), ...(o.labels ? { labels: o.labels } : {}) };
  const spec = { node: o.node ?? "node-1", network: o.network, ips: o.ips, ...(o.ports ? { ports: o.ports } : {}), ...(o.interface ? { interface: o.interface } : {}) };
  return { apiVersion: API_VERSION, kind: "Workload", metadata, spec };
}

export function policy(name: string, spec: Doc, meta: { namespace?: string } = {}): Doc {
  return { apiVersion: API_VERSION, kind: "Policy", metadata: { name, ...meta }, spec };
}

export function namespace(name: string, labels?: Labels): Doc {
  return { apiVersion: API_VERSION, kind: "Namespace", metadata: { name, ...(labels ? { labels } : {}) } };
}

/** Documents as if read from one file, in order. */
export function sources(docs: unknown[], file = "test.yaml"): SourcedDoc[] {
  return docs.map((doc, index) => ({ file, index, doc }));
}

/** A valid Model, or a thrown error listing every issue (a test's own model must be valid). */
export function model(...docs: unknown[]): Model {
  const r = buildModel(sources(docs));
  if (!r.ok) throw new Error(`test model does not validate:\n${r.issues.map(formatIssue).join("\n")}`);
  return r.value;
}

/** The issues of documents that must not validate. */
export function issues(...docs: unknown[]): Issue[] {
  const r = buildModel(sources(docs));
  if (r.ok) throw new Error("expected validation issues, but the documents are valid");
  return r.issues;
}
