// The Workload moat-cni registers for an attachment: named after the pod (K8S_POD_NAMESPACE and
// K8S_POD_NAME, which podman sets to the container's name) or else the container id; its host-side
// veth as its interface; annotations that tie it to the attachment, for DEL and GC.
import { hostname } from "node:os";
import { labelsOf, type NetConfig } from "./config.js";
import type { CniEnv } from "./env.js";

export const CONTAINER_ANNOTATION = "moat.dev/cni-container";
export const IFNAME_ANNOTATION = "moat.dev/cni-ifname";
export const NETWORK_ANNOTATION = "moat.dev/cni-network";

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

export function workloadManifest(id: WorkloadId, env: CniEnv, config: NetConfig, node: string, ips: string[], hostVeth: string) {
  return {
    apiVersion: "moat.dev/v1",
    kind: "Workload",
    metadata: {
      name: id.name,
      ...(id.namespace ? { namespace: id.namespace } : {}),
      labels: labelsOf(config),
      annotations: { [CONTAINER_ANNOTATION]: env.containerId, [IFNAME_ANNOTATION]: env.ifname, [NETWORK_ANNOTATION]: networkOf(config) },
    },
    spec: { node, network: networkOf(config), ips, interface: hostVeth },
  };
}
