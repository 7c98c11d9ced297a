// What the page knows of the stored model: GET /v1/resources, read into workloads (named as the CLI names
// them), their labels with moat's pseudo-labels (so the selector filter means what it means in a policy),
// the ports they declare, and the policies in evaluation order.
import { parseSelector, type Selector } from "../model/index.js";
import { selectorMatches } from "../policy/index.js";

export interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; resourceVersion?: string };
  spec: Record<string, unknown>;
}

export interface UiWorkload {
  id: string;
  name: string;
  namespace?: string;
  network: string;
  node?: string;
  labels: Record<string, string>;
  ports: { name?: string; port: number; protocol: string }[];
}

export interface UiPolicy {
  id: string;
  name: string;
  namespace?: string;
  order: number | undefined;
  selector: string;
  resource: Resource;
  selects: number;
}

export interface Snapshot {
  revision: number;
  resources: Resource[];
  workloads: UiWorkload[];
  policies: UiPolicy[];
}

const idOf = (m: Resource["metadata"]) => (m.namespace ? `${m.namespace}/${m.name}` : m.name);

export function workloadOf(r: Resource): UiWorkload {
  const spec = r.spec as { network: string; node?: string; ports?: { name?: string; port: number; protocol?: string }[] };
  const labels: Record<string, string> = { ...(r.metadata.labels ?? {}) };
  labels["moat.dev/name"] = r.metadata.name;
  labels["moat.dev/network"] = spec.network;
  if (spec.node !== undefined) labels["moat.dev/node"] = spec.node;
  if (r.metadata.namespace) labels["moat.dev/namespace"] = r.metadata.namespace;
  return {
    id: idOf(r.metadata),
    name: r.metadata.name,
    ...(r.metadata.namespace ? { namespace: r.metadata.namespace } : {}),
    network: spec.network,
    ...(spec.node !== undefined ? { node: spec.node } : {}),
    labels,
    ports: (spec.ports ?? []).map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: (p.protocol ?? "TCP").toUpperCase() })),
  };
}

/** A selector as a predicate, or its syntax error with the column. */
export function selectorFilter(text: string): { ok: true; test: (w: UiWorkload) => boolean } | { ok: false; message: string; column: number } {
  if (!text.trim()) return { ok: true, test: () => true };
  const parsed = parseSelector(text);
  if (!parsed.ok) return parsed;
  const s: Selector = parsed.value;
  return { ok: true, test: (w) => selectorMatches(s, w.labels) };
}

export function snapshotOf(revision: number, resources: Resource[]): Snapshot {
  const workloads = resources.filter((r) => r.kind === "Workload").map(workloadOf);
  const policies = resources
    .filter((r) => r.kind === "Policy")
    .map((r): UiPolicy => {
      const spec = r.spec as { order?: number; selector?: string };
      const selector = spec.selector ?? "all()";
      const f = selectorFilter(selector);
      const inScope = (w: UiWorkload) => !r.metadata.namespace || w.namespace === r.metadata.namespace;
      return {
        id: idOf(r.metadata),
        name: r.metadata.name,
        ...(r.metadata.namespace ? { namespace: r.metadata.namespace } : {}),
        order: spec.order,
        selector,
        resource: r,
        selects: f.ok ? workloads.filter((w) => inScope(w) && f.test(w)).length : 0,
      };
    })
    // Evaluation order (DESIGN.md): order, lower first, then name; no order last.
    .sort((a, b) => (a.order ?? Infinity) - (b.order ?? Infinity) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { revision, resources, workloads, policies };
}

/** The ports the workloads declare, as PORT/PROTOCOL, in numeric order. */
export function declaredPortList(workloads: UiWorkload[]): string[] {
  const seen = new Map<string, [number, string]>();
  for (const w of workloads) for (const p of w.ports) seen.set(`${p.port}/${p.protocol}`, [p.port, p.protocol]);
  return [...seen.entries()].sort((a, b) => a[1][0] - b[1][0] || a[1][1].localeCompare(b[1][1])).map(([k]) => k);
}

/** "80/TCP", "53/udp", "icmp" into the API's port probe, or an error naming the text. */
export function parsePortText(text: string): { ok: true; port?: number; protocol: string } | { ok: false; message: string } {
  const m = /^\s*(?:(\d{1,5})(?:\/(tcp|udp|sctp))?|(icmp))\s*$/i.exec(text);
  if (!m) return { ok: false, message: `port ${JSON.stringify(text)}: write PORT/PROTOCOL, e.g. 80/TCP, 53/UDP or ICMP` };
  if (m[3]) return { ok: true, protocol: m[3].toUpperCase() };
  const port = Number(m[1]);
  if (port < 1 || port > 65535) return { ok: false, message: `port ${JSON.stringify(text)}: a port is 1 to 65535` };
  return { ok: true, port, protocol: (m[2] ?? "TCP").toUpperCase() };
}
