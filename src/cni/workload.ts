// The Workload moat-cni registers for an attachment: named after the pod (K8S_POD_NAMESPACE and
// K8S_POD_NAME, which podman sets to the container's name) or else the container id; its host-side
// veth as its interface; annotations that tie it to the attachment, for DEL and GC. A Workload declared
// ahead on this node (by an operator or `moat lab up`, no attachment's yet) is adopted: ADD fills in its
// addresses and interface and keeps what the runtime cannot say, its ports and its labels.
import { hostname } from "node:os";
import { labelsOf, type NetConfig } from "./config.js";
import type { CniEnv } from "./env.js";

export const CONTAINER_ANNOTATION = "moat.dev/cni-container";
export const IFNAME_ANNOTATION = "moat.dev/cni-ifname";
export const NETWORK_ANNOTATION = "moat.dev/cni-network";
/**
 * The labels of a Workload declared ahead, as JSON, kept when ADD adopts it: ADD again then merges the
 * runtime's labels of now over the declared ones, not over the last ADD's (a label the runtime dropped
 * goes, a declared one stays).
 */
export const DECLARED_LABELS_ANNOTATION = "moat.dev/cni-declared-labels";

/** A resource name moat accepts: [A-Za-z0-9-_.], starting and ending with a letter or digit, not "moat...". */
export function resourceName(text: string): string {
  let name = text.replace(/[^A-Za-z0-9_.-]/g, "-").replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "").slice(0, 253);
  if (!name) name = "container";
  return name.toLowerCase().startsWith("moat") ? `c-${name}`.slice(0, 253) : name;
}

export interface WorkloadId {
  name: string;
  namespace?: string;
}

export function workloadId(env: CniEnv): WorkloadId {
  const pod = env.args.K8S_POD_NAME;
  const ns = env.args.K8S_POD_NAMESPACE;
  if (!pod) return { name: resourceName(env.containerId) };
  return { name: resourceName(pod), ...(ns ? { namespace: resourceName(ns) } : {}) };
}

export const nodeOf = (config: NetConfig) => config.node ?? hostname();
export const networkOf = (config: NetConfig) => config.network ?? config.name;

export interface WorkloadManifest {
  apiVersion: string;
  kind: "Workload";
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { node: string; network?: string; ips?: string[]; interface?: string; [field: string]: unknown };
}

/** A stored Workload as a manifest to PUT again: what the server adds (resourceVersion, ...) left out. */
export function asManifest(stored: WorkloadManifest): WorkloadManifest {
  const { name, namespace, labels, annotations } = stored.metadata;
  return { apiVersion: stored.apiVersion, kind: "Workload", metadata: { name, ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) }, spec: stored.spec };
}

/**
 * What ADD builds on of a stored Workload of its name on this node: "declared" when it was declared
 * ahead (no attachment holds it), "own" when it is this attachment's (ADD again), else nothing.
 */
export function storedFor(stored: WorkloadManifest | undefined, node: string, containerId: string): "declared" | "own" | undefined {
  if (!stored || stored.spec.node !== node) return undefined;
  const holder = stored.metadata.annotations?.[CONTAINER_ANNOTATION];
  return holder === undefined ? "declared" : holder === containerId ? "own" : undefined;
}

/** The declared labels ADD builds on: the declaration's own when adopting, else those recorded when it was adopted. */
function declaredLabels(base: WorkloadManifest | undefined, kind: "declared" | "own" | undefined): Record<string, string> {
  if (!base) return {};
  if (kind === "declared") return base.metadata.labels ?? {};
  const recorded = base.metadata.annotations?.[DECLARED_LABELS_ANNOTATION];
  if (!recorded) return {};
  try {
    const parsed = JSON.parse(recorded) as unknown;
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === "string")) : {};
  } catch {
    return {};
  }
}

/**
 * The Workload ADD PUTs. `base` is the stored one it builds on: `kind` "declared" (adopted now: its
 * ports, labels and annotations kept) or "own" (ADD again of this attachment).
 */
export function workloadManifest(id: WorkloadId, env: CniEnv, config: NetConfig, node: string, ips: string[], hostVeth: string, base?: WorkloadManifest, kind?: "declared" | "own"): WorkloadManifest {
  const kept = declaredLabels(base, kind);
  const annotations = { ...base?.metadata.annotations };
  delete annotations[DECLARED_LABELS_ANNOTATION];
  return {
    apiVersion: "moat.dev/v1",
    kind: "Workload",
    metadata: {
      name: id.name,
      ...(id.namespace ? { namespace: id.namespace } : {}),
      // The runtime's labels win over the declared ones.
      labels: { ...kept, ...labelsOf(config) },
      annotations: {
        ...annotations,
        ...(Object.keys(kept).length ? { [DECLARED_LABELS_ANNOTATION]: JSON.stringify(kept) } : {}),
        [CONTAINER_ANNOTATION]: env.containerId,
        [IFNAME_ANNOTATION]: env.ifname,
        [NETWORK_ANNOTATION]: networkOf(config),
      },
    },
    spec: { ...base?.spec, node, network: networkOf(config), ips, interface: hostVeth },
  };
}
