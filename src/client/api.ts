// The moat API, typed, over a Client: what the CLI's online verbs and the agent call.
import type { CheckAnswer } from "../service/index.js";
import type { Manifest, NodeStatus } from "../store/index.js";
import type { Client } from "./http.js";

export interface ApplyAnswer {
  revision: number;
  created: string[];
  updated: string[];
  unchanged: string[];
}

export interface ListAnswer {
  revision: number;
  items: Manifest[];
}

export type WatchEvent =
  | { type: "ADDED" | "MODIFIED" | "DELETED"; revision: number; kind: string; object: Manifest }
  | { type: "BOOKMARK"; revision: number };

const yamlBody = (text: string) => ({ text, contentType: "application/yaml" });
const jsonBody = (value: unknown) => ({ text: JSON.stringify(value), contentType: "application/json" });
const q = (namespace?: string) => (namespace ? `?namespace=${encodeURIComponent(namespace)}` : "");

export const api = {
  apply: (c: Client, manifestsText: string) => c.call("POST", "/v1/apply", yamlBody(manifestsText)) as Promise<ApplyAnswer>,
  deleteManifests: (c: Client, manifestsText: string) => c.call("POST", "/v1/delete", yamlBody(manifestsText)) as Promise<{ revision: number; deleted: string[] }>,
  list: (c: Client, plural: string, namespace?: string) => c.call("GET", `/v1/${encodeURIComponent(plural)}${q(namespace)}`) as Promise<ListAnswer>,
  get: (c: Client, plural: string, name: string, namespace?: string) => c.call("GET", `/v1/${encodeURIComponent(plural)}/${encodeURIComponent(name)}${q(namespace)}`) as Promise<Manifest>,
  delete: (c: Client, plural: string, name: string, namespace?: string) => c.call("DELETE", `/v1/${encodeURIComponent(plural)}/${encodeURIComponent(name)}${q(namespace)}`) as Promise<{ revision: number }>,
  check: (c: Client, req: { from: string; to: string; protocol: string; port?: number }) => c.call("POST", "/v1/check", jsonBody(req)) as Promise<CheckAnswer>,
  matrix: (c: Client, ports: { protocol: string; port?: number }[]) => c.call("POST", "/v1/matrix", jsonBody({ ports })) as Promise<{ probes: unknown[] }>,
  nodes: (c: Client) => c.call("GET", "/v1/nodes") as Promise<{ revision: number; items: Record<string, unknown>[] }>,
  reportStatus: (c: Client, node: string, status: Omit<NodeStatus, "node" | "reportedAt">) => c.call("PUT", `/v1/nodes/${encodeURIComponent(node)}/status`, jsonBody(status)),
  /** Every resource of every kind at one revision (the agent's list before it watches). */
  listAll: (c: Client) => c.call("GET", "/v1/resources") as Promise<ListAnswer>,
  watch: (c: Client, since: number, onEvent: (e: WatchEvent) => void, opts: { signal?: AbortSignal; idleMs?: number } = {}) => c.stream(`/v1/watch?since=${since}`, (v) => onEvent(v as WatchEvent), opts),
};
