// Kubernetes documents (v1 Namespace and Pod, networking.k8s.io/v1 NetworkPolicy) to moat documents,
// in place, beside the moat documents they came with; those pass through unchanged.
//
// Pods have no network in Kubernetes, and a moat Workload needs one. They all go into one Network
// named "kubernetes" with isolation "none" (Kubernetes allows what no policy selects). Unless the
// input declares a moat Network of that name (to give the cluster CIDRs, or another isolation), it is
// made here from the pod addresses: the fewest prefixes that hold exactly those addresses, the same
// for the same pods in any order.
// A document with a problem is reported and left out, so buildModel never reports it a second time.
import type { z } from "zod";
import { API_VERSION, cidrContains, fromZod, show, type Issue, type SourcedDoc } from "../../model/index.js";
import { exactCover } from "./cidr.js";
import { readMoatContext, type MoatContext } from "./moat-context.js";
import { namespaceLabels, readNamespace } from "./namespace.js";
import { readNetworkPolicy } from "./network-policy.js";
import { readPod, type PodFacts } from "./pod.js";
import { reporter, type Report } from "./report.js";
import { CORE_API, NETWORKING_API, namespaceSchema, networkPolicySchema, podSchema } from "./schema.js";

export const POD_NETWORK = "kubernetes";

const SCHEMAS = { Namespace: namespaceSchema, Pod: podSchema, NetworkPolicy: networkPolicySchema } as const;
type KubeKind = keyof typeof SCHEMAS;

/** The Kubernetes kind moat reads that a document is, if it is one. */
export function kubernetesKind(doc: unknown): KubeKind | undefined {
  const d = doc as { apiVersion?: unknown; kind?: unknown } | null;
  if (!d || typeof d !== "object") return undefined;
  if (d.apiVersion === CORE_API && (d.kind === "Namespace" || d.kind === "Pod")) return d.kind;
  if (d.apiVersion === NETWORKING_API && d.kind === "NetworkPolicy") return d.kind;
  return undefined;
}

interface Read<K extends KubeKind> {
  source: SourcedDoc;
  value: z.infer<(typeof SCHEMAS)[K]>;
  report: Report;
  failed: () => boolean;
}

export function importKubernetes(sources: SourcedDoc[]): { docs: SourcedDoc[]; issues: Issue[]; notes: Issue[] } {
  const issues: Issue[] = [];
  const notes: Issue[] = [];
  const moat = readMoatContext(sources.filter((s) => !kubernetesKind(s.doc)));
  const converted = new Map<SourcedDoc, unknown>();
  const read = <K extends KubeKind>(source: SourcedDoc, kind: K): Read<K> | undefined => {
    const meta = (source.doc as { metadata?: { name?: unknown; namespace?: unknown } }).metadata;
    const name = typeof meta?.name === "string" ? meta.name : "?";
    const resource = kind === "Namespace" ? `Namespace/${name}` : `${kind}/${typeof meta?.namespace === "string" ? meta.namespace : "default"}/${name}`;
    const before = issues.length;
    const report = reporter(source, resource, issues);
    const parsed = SCHEMAS[kind].safeParse(source.doc);
    if (!parsed.success) {
      for (const i of fromZod(parsed.error, source.doc, SCHEMAS[kind])) report(i.path, i.code, i.message);
      return undefined;
    }
    return { source, value: parsed.data as Read<K>["value"], report, failed: () => issues.length > before };
  };

  const namespaces = new Set(moat.namespaces);
  const pods: { r: Read<"Pod">; facts: PodFacts }[] = [];
  for (const source of sources) {
    const kind = kubernetesKind(source.doc);
    if (kind === "Namespace") {
      const r = read(source, kind);
      if (!r) continue;
      const ns = readNamespace(r.value, r.report);
      namespaces.add(ns.name);
      if (!r.failed()) converted.set(source, { apiVersion: API_VERSION, kind: "Namespace", metadata: { name: ns.name, labels: ns.labels } });
    } else if (kind === "Pod") {
      const r = read(source, kind);
      const facts = r && readPod(r.value, r.report, reporter(source, `Pod/${r.value.metadata.namespace ?? "default"}/${r.value.metadata.name}`, notes));
      if (r && facts) pods.push({ r, facts });
    }
  }
  placeAddresses(pods, moat);
  const placed = pods.filter(({ r }) => !r.failed());
  for (const { r, facts } of placed) converted.set(r.source, workloadDoc(facts));

  const portNames = new Set([...moat.portNames, ...placed.flatMap(({ facts }) => facts.ports.map((p) => `${p.name}/${p.protocol}`))]);
  for (const source of sources) {
    if (kubernetesKind(source.doc) !== "NetworkPolicy") continue;
    const r = read(source, "NetworkPolicy");
    if (!r) continue;
    const policy = readNetworkPolicy(r.value, r.report, { portDefined: (name, protocol) => portNames.has(`${name}/${protocol}`) });
    if (!r.failed()) converted.set(source, policy);
  }

  // Converted documents keep Kubernetes' name rules (origin), not moat's reserved prefix.
  const docs: SourcedDoc[] = [];
  for (const source of sources) {
    if (!kubernetesKind(source.doc)) docs.push(source);
    else if (converted.has(source)) docs.push({ ...source, doc: converted.get(source), origin: "kubernetes" });
  }
  // Every pod's namespace exists in Kubernetes, with the label the API server gives it.
  for (const { r, facts } of placed) {
    if (namespaces.has(facts.namespace)) continue;
    namespaces.add(facts.namespace);
    docs.push({ ...r.source, doc: { apiVersion: API_VERSION, kind: "Namespace", metadata: { name: facts.namespace, labels: namespaceLabels(facts.namespace, {}) } }, origin: "kubernetes" });
  }
  if (placed.length && !moat.networks.has(POD_NETWORK)) docs.push({ ...placed[0]!.r.source, doc: podNetworkDoc(placed.map((p) => p.facts)) });
  return { docs, issues, notes };
}

/** Pod addresses are unique, and lie in the pods' network and in no other. */
function placeAddresses(pods: { r: Read<"Pod">; facts: PodFacts }[], moat: MoatContext): void {
  const owners = new Map<string, string>();
  const declared = moat.networks.get(POD_NETWORK);
  for (const { r, facts } of pods) {
    for (const { ip, path } of facts.addresses) {
      const key = `${ip.family}/${ip.value}`;
      const owner = owners.get(key);
      if (owner) r.report(path, "duplicate-ip", `${show(ip.text)} is already the address of pod ${owner}`);
      else owners.set(key, `${facts.namespace}/${facts.name}`);
      if (declared) {
        if (!declared.some((c) => cidrContains(c, ip))) {
          r.report(path, "ip-outside-network", `${show(ip.text)} is outside network ${show(POD_NETWORK)}'s subnets (${declared.map((c) => c.text).join(", ")})`);
        }
        continue;
      }
      for (const [name, cidrs] of moat.networks) {
        const hit = cidrs.find((c) => cidrContains(c, ip));
        if (hit) r.report(path, "overlapping-subnet", `${show(ip.text)} is inside moat network ${show(name)} (${hit.text}); pods belong to the network ${show(POD_NETWORK)}`);
      }
    }
  }
}

function workloadDoc(p: PodFacts): Record<string, unknown> {
  return {
    apiVersion: API_VERSION,
    kind: "Workload",
    metadata: { name: p.name, namespace: p.namespace, ...(Object.keys(p.labels).length ? { labels: p.labels } : {}) },
    spec: { ...(p.node !== undefined ? { node: p.node } : {}), network: POD_NETWORK, ips: p.addresses.map((a) => a.ip.text), ...(p.ports.length ? { ports: p.ports } : {}) },
  };
}

function podNetworkDoc(pods: PodFacts[]): Record<string, unknown> {
  const subnets = exactCover(pods.flatMap((p) => p.addresses.map((a) => a.ip)));
  return { apiVersion: API_VERSION, kind: "Network", metadata: { name: POD_NETWORK }, spec: { subnets, isolation: "none" } };
}
