// Documents to a validated Model, in stages: the shape of each document (schema.ts), then normalizing
// (addresses, selectors, ports parsed once), then the rules that span documents. Every issue of every
// document is gathered; nothing is thrown.
import type { z } from "zod";
import type { SourcedDoc } from "./documents.js";
import { cidrContains, cidrsOverlap, parseCidr, parseIp, type Cidr, type Ip } from "./ip.js";
import { show, type Issue, type IssuePath, type Result } from "./issues.js";
import { labelKeyProblem, labelValueProblem, nodeNameProblem, PSEUDO_PREFIX, resourceNameProblem } from "./labels.js";
import { API_VERSION, KINDS, type EgressRuleDoc, type IngressRuleDoc, type Kind } from "./schema.js";
import { parseSelector } from "./selector.js";
import { NO_NODE, type Model, type Namespace, type Network, type Peer, type Policy, type PortSpec, type Rule, type SelectorRef, type Settings, type Workload } from "./types.js";
import { fromZod } from "./zod-issues.js";

type Report = (path: IssuePath, code: string, message: string) => void;

interface Parsed<K extends Kind> {
  source: SourcedDoc;
  value: z.infer<(typeof KINDS)[K]>;
  report: Report;
}

const PORT_NAME = /^(?=.*[a-z])[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const INTERFACE = /^[A-Za-z0-9_.-]{1,15}$/;

export function buildModel(sources: SourcedDoc[]): Result<Model> {
  const issues: Issue[] = [];
  const byKind: { [K in Kind]: Parsed<K>[] } = { Namespace: [], Network: [], Workload: [], Policy: [], Settings: [] };
  /** Every Network document's name, valid or not: a reference to one that is broken is not also "unknown". */
  const declaredNetworks = new Set<string>();

  for (const source of sources) {
    const base = { file: source.file, document: source.index };
    const doc = source.doc as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } } | null;
    if (!doc || typeof doc !== "object" || Array.isArray(doc)) {
      issues.push({ ...base, code: "invalid-document", path: [], message: `expected a resource object, got ${show(doc)}` });
      continue;
    }
    if (doc.apiVersion !== API_VERSION) {
      issues.push({ ...base, code: "unknown-api-version", path: ["apiVersion"], message: `${show(doc.apiVersion)} is not a known apiVersion; expected ${show(API_VERSION)}` });
      continue;
    }
    const kind = doc.kind as Kind;
    if (typeof doc.kind !== "string" || !Object.hasOwn(KINDS, kind)) {
      issues.push({ ...base, code: "unknown-kind", path: ["kind"], message: `${show(doc.kind)} is not a known kind; expected one of ${Object.keys(KINDS).join(", ")}` });
      continue;
    }
    const name = typeof doc.metadata?.name === "string" ? doc.metadata.name : undefined;
    const resource = `${kind}/${name ?? "?"}`;
    if (kind === "Network" && name !== undefined) declaredNetworks.add(name);
    const report: Report = (path, code, message) => issues.push({ ...base, resource, code, path, message });
    const parsed = KINDS[kind].safeParse(doc);
    if (!parsed.success) {
      for (const i of fromZod(parsed.error, doc, KINDS[kind])) issues.push({ ...base, resource, ...i });
      continue;
    }
    (byKind[kind] as Parsed<Kind>[]).push({ source, value: parsed.data, report });
  }

  for (const list of Object.values(byKind)) checkNames(list);

  const namespaces = byKind.Namespace.map(buildNamespace);
  const networks = byKind.Network.map(buildNetwork);
  checkSubnetOverlaps(byKind.Network, networks);
  // Only networks whose subnets all parsed judge their workloads' addresses: a malformed subnet is
  // reported once, not again as "outside the subnets" by every workload of that network.
  const networkByName = new Map(networks.filter((n, i) => n.subnets.length === byKind.Network[i]!.value.spec.subnets.length).map((n) => [n.name, n]));
  const workloads = byKind.Workload.map((p) => buildWorkload(p, networkByName, declaredNetworks));
  checkWorkloadsTogether(byKind.Workload, workloads);
  const policies = byKind.Policy.map((p) => buildPolicy(p, declaredNetworks, workloads));
  const settings = buildSettings(byKind.Settings);

  if (issues.length) return { ok: false, issues: inInputOrder(issues, sources) };
  // DESIGN.md: policies are evaluated in order of (order, name); the id only breaks a tie between namespaces.
  const byText = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  policies.sort((a, b) => a.order - b.order || byText(a.name, b.name) || byText(a.id, b.id));
  return { ok: true, value: { namespaces, networks, workloads, policies, settings } };
}

/** Issues file by file and document by document, as people read their input, whichever stage found them. */
function inInputOrder(issues: Issue[], sources: SourcedDoc[]): Issue[] {
  const fileRank = new Map<string | undefined, number>();
  for (const s of sources) if (!fileRank.has(s.file)) fileRank.set(s.file, fileRank.size);
  return [...issues].sort((a, b) => fileRank.get(a.file)! - fileRank.get(b.file)! || (a.document ?? 0) - (b.document ?? 0));
}

function idOf(meta: { name: string; namespace?: string | undefined }): string {
  return meta.namespace ? `${meta.namespace}/${meta.name}` : meta.name;
}

function checkNames(list: Parsed<Kind>[]): void {
  const seen = new Map<string, SourcedDoc>();
  for (const { value, report, source } of list) {
    const meta = value.metadata;
    const reserved = source.origin !== "kubernetes";
    const nameProblem = resourceNameProblem(meta.name, { reserved });
    if (nameProblem) report(["metadata", "name"], "invalid-name", nameProblem);
    if (meta.namespace !== undefined) {
      const nsProblem = resourceNameProblem(meta.namespace, { reserved });
      if (nsProblem) report(["metadata", "namespace"], "invalid-name", nsProblem.replace(/^name/, "namespace"));
    }
    for (const [key, val] of Object.entries(meta.labels ?? {})) {
      const problem = labelKeyProblem(key) ?? labelValueProblem(val);
      if (problem) report(["metadata", "labels", key], "invalid-label", problem);
      else if (key.startsWith(PSEUDO_PREFIX)) report(["metadata", "labels", key], "reserved-label", `label key ${show(key)} is reserved: moat sets the ${PSEUDO_PREFIX}* labels itself`);
    }
    const id = idOf(meta);
    const first = seen.get(id);
    if (first) report(["metadata", "name"], "duplicate", `${value.kind} ${show(id)} is defined twice (first in ${first.file}#${first.index + 1})`);
    else seen.set(id, source);
  }
}

function buildNamespace({ value }: Parsed<"Namespace">): Namespace {
  return { name: value.metadata.name, labels: value.metadata.labels ?? {} };
}

function parseCidrs(texts: string[], path: IssuePath, report: Report): Cidr[] {
  const out: Cidr[] = [];
  texts.forEach((text, i) => {
    const c = parseCidr(text);
    if (c.ok) out.push(c.value);
    else report([...path, i], "invalid-cidr", c.message);
  });
  return out;
}

function buildNetwork({ value, report }: Parsed<"Network">): Network {
  const network: Network = {
    name: value.metadata.name,
    labels: value.metadata.labels ?? {},
    subnets: parseCidrs(value.spec.subnets, ["spec", "subnets"], report),
    isolation: value.spec.isolation,
  };
  const bridge = value.spec.bridge;
  if (bridge !== undefined) {
    if (!INTERFACE.test(bridge)) report(["spec", "bridge"], "invalid-interface", `${show(bridge)} is not a Linux interface name (1-15 characters of [A-Za-z0-9_.-])`);
    network.bridge = bridge;
  }
  return network;
}

/** Two networks that share addresses would make "which network is this address in" ambiguous. */
function checkSubnetOverlaps(parsed: Parsed<"Network">[], networks: Network[]): void {
  const all = networks.flatMap((n, ni) => n.subnets.map((c, ci) => ({ n, ni, c, ci })));
  for (let i = 0; i < all.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = all[i]!;
      const b = all[j]!;
      if (cidrsOverlap(a.c, b.c)) {
        const other = a.n === b.n ? "another of its subnets" : `network ${show(b.n.name)}'s subnet`;
        parsed[a.ni]!.report(["spec", "subnets", a.ci], "overlapping-subnet", `${show(a.c.text)} overlaps ${other} ${show(b.c.text)}`);
      }
    }
  }
}

function buildWorkload({ value, report }: Parsed<"Workload">, networks: Map<string, Network>, declared: ReadonlySet<string>): Workload {
  const { metadata, spec } = value;
  const network = networks.get(spec.network);
  if (!declared.has(spec.network)) report(["spec", "network"], "unknown-network", `network ${show(spec.network)} does not exist`);
  const ips: Ip[] = [];
  spec.ips.forEach((text, i) => {
    const ip = parseIp(text);
    if (!ip.ok) return report(["spec", "ips", i], "invalid-ip", ip.message);
    if (network && !network.subnets.some((c) => cidrContains(c, ip.value))) {
      report(["spec", "ips", i], "ip-outside-network", `${show(text)} is outside network ${show(network.name)}'s subnets (${network.subnets.map((c) => c.text).join(", ")})`);
    }
    if (ips.some((o) => o.family === ip.value.family && o.value === ip.value.value)) report(["spec", "ips", i], "duplicate-ip", `${show(text)} is listed twice`);
    ips.push(ip.value);
  });
  if (spec.interface !== undefined && !INTERFACE.test(spec.interface)) {
    report(["spec", "interface"], "invalid-interface", `${show(spec.interface)} is not a Linux interface name (1-15 characters of [A-Za-z0-9_.-])`);
  }
  const portNames = new Set<string>();
  spec.ports.forEach((p, i) => {
    if (!PORT_NAME.test(p.name) || p.name.length > 15) {
      report(["spec", "ports", i, "name"], "invalid-port-name", `${show(p.name)} is not a port name (1-15 lowercase letters, digits and '-', with at least one letter)`);
    }
    if (portNames.has(`${p.name}/${p.protocol}`)) report(["spec", "ports", i, "name"], "duplicate", `port name ${show(p.name)} is defined twice for ${p.protocol}`);
    portNames.add(`${p.name}/${p.protocol}`);
    const problem = portNumberProblem(p.port);
    if (problem) report(["spec", "ports", i, "port"], "invalid-port", problem);
  });
  if (spec.node !== undefined) {
    const problem = nodeNameProblem(spec.node);
    if (problem) report(["spec", "node"], "invalid-node", problem);
  }
  const labels: Record<string, string> = { ...(metadata.labels ?? {}) };
  labels[`${PSEUDO_PREFIX}name`] = metadata.name;
  labels[`${PSEUDO_PREFIX}network`] = spec.network;
  if (spec.node !== undefined) labels[`${PSEUDO_PREFIX}node`] = spec.node;
  if (metadata.namespace) labels[`${PSEUDO_PREFIX}namespace`] = metadata.namespace;
  const w: Workload = { id: idOf(metadata), name: metadata.name, labels, node: spec.node ?? NO_NODE, network: spec.network, ips, ports: spec.ports };
  if (metadata.namespace) w.namespace = metadata.namespace;
  if (spec.interface !== undefined) w.interface = spec.interface;
  return w;
}

/** An address names one workload, and an interface one workload on its node. */
function checkWorkloadsTogether(parsed: Parsed<"Workload">[], workloads: Workload[]): void {
  const owners = new Map<string, string>();
  const interfaces = new Map<string, string>();
  workloads.forEach((w, wi) => {
    w.ips.forEach((ip, i) => {
      const key = `${ip.family}/${ip.value}`;
      const owner = owners.get(key);
      if (owner) parsed[wi]!.report(["spec", "ips", i], "duplicate-ip", `${show(ip.text)} is already the address of workload ${show(owner)}`);
      else owners.set(key, w.id);
    });
    if (w.interface && w.node !== NO_NODE) {
      const key = `${w.node}/${w.interface}`;
      const owner = interfaces.get(key);
      if (owner) parsed[wi]!.report(["spec", "interface"], "duplicate-interface", `${show(w.interface)} is already the interface of workload ${show(owner)} on node ${show(w.node)}`);
      else interfaces.set(key, w.id);
    }
  });
}

function portNumberProblem(port: number): string | undefined {
  if (!Number.isInteger(port)) return `port ${show(port)} is not a whole number in 1..65535`;
  if (port < 1 || port > 65535) return `port ${show(port)} is outside 1..65535`;
  return undefined;
}

function selectorRef(text: string, path: IssuePath, report: Report): SelectorRef | undefined {
  const parsed = parseSelector(text);
  if (parsed.ok) return { text, tree: parsed.value };
  report(path, "invalid-selector", `selector ${show(text)} has a syntax error at column ${parsed.column}: ${parsed.message}`);
  return undefined;
}

function buildPolicy({ value, report }: Parsed<"Policy">, networks: ReadonlySet<string>, workloads: Workload[]): Policy {
  const { metadata, spec } = value;
  const selector = selectorRef(spec.selector, ["spec", "selector"], report) ?? { text: spec.selector, tree: { op: "all" as const } };
  const types = spec.types ?? (spec.egress ? ["Ingress" as const, "Egress" as const] : ["Ingress" as const]);
  if (spec.types && new Set(spec.types).size !== spec.types.length) report(["spec", "types"], "duplicate", `${show(spec.types)} lists a type twice`);
  if (spec.ingress?.length && !types.includes("Ingress")) report(["spec", "ingress"], "unused-rules", `ingress rules are given but spec.types ${show(types)} does not include "Ingress"`);
  if (spec.egress?.length && !types.includes("Egress")) report(["spec", "egress"], "unused-rules", `egress rules are given but spec.types ${show(types)} does not include "Egress"`);
  if (!Number.isFinite(spec.order)) report(["spec", "order"], "invalid-order", `${show(spec.order)} is not a finite number`);
  const rule = (r: IngressRuleDoc | EgressRuleDoc, path: IssuePath) => buildRule(r, path, report, networks, workloads);
  const p: Policy = {
    id: idOf(metadata),
    name: metadata.name,
    order: spec.order,
    selector,
    types: [...types],
    ingress: (spec.ingress ?? []).map((r, i) => rule(r, ["spec", "ingress", i])),
    egress: (spec.egress ?? []).map((r, i) => rule(r, ["spec", "egress", i])),
  };
  if (metadata.namespace) p.namespace = metadata.namespace;
  return p;
}

function buildRule(r: IngressRuleDoc | EgressRuleDoc, path: IssuePath, report: Report, networks: ReadonlySet<string>, workloads: Workload[]): Rule {
  const rule: Rule = { action: r.action };
  if (r.protocol) rule.protocol = r.protocol;
  if (r.ports) {
    if (!r.protocol || r.protocol === "ICMP") {
      report([...path, "ports"], "ports-need-protocol", `ports ${show(r.ports)} need protocol TCP, UDP or SCTP (protocol is ${show(r.protocol ?? "any")})`);
    }
    rule.ports = r.ports.map((p, i) => buildPort(p, r.protocol, [...path, "ports", i], report, workloads)).filter((p): p is PortSpec => !!p);
  }
  const peerDoc = "from" in r ? r.from : "to" in r ? r.to : undefined;
  if (peerDoc) rule.peer = buildPeer(peerDoc, [...path, "from" in r ? "from" : "to"], report, networks);
  return rule;
}

function buildPort(p: number | string, protocol: string | undefined, path: IssuePath, report: Report, workloads: Workload[]): PortSpec | undefined {
  if (typeof p === "number") {
    const problem = portNumberProblem(p);
    if (problem) return void report(path, "invalid-port", problem);
    return { kind: "range", start: p, end: p };
  }
  const range = /^(\d+)(?::(\d+))?$/.exec(p);
  if (range) {
    const start = Number(range[1]);
    const end = range[2] === undefined ? start : Number(range[2]);
    const problem = portNumberProblem(start) ?? portNumberProblem(end);
    if (problem) return void report(path, "invalid-port", `${show(p)}: ${problem}`);
    if (start > end) return void report(path, "invalid-port", `port range ${show(p)} starts after it ends`);
    return { kind: "range", start, end };
  }
  if (!PORT_NAME.test(p) || p.length > 15) {
    return void report(path, "invalid-port", `${show(p)} is not a port: expected a number, a range "start:end" or a port name`);
  }
  const defined = workloads.some((w) => w.ports.some((np) => np.name === p && (!protocol || np.protocol === protocol)));
  if (!defined) return void report(path, "unknown-port-name", `named port ${show(p)}${protocol ? ` (${protocol})` : ""} is not defined by any workload`);
  return { kind: "named", name: p };
}

function buildPeer(doc: NonNullable<IngressRuleDoc["from"]>, path: IssuePath, report: Report, networks: ReadonlySet<string>): Peer {
  const peer: Peer = {};
  if (doc.selector !== undefined) {
    const s = selectorRef(doc.selector, [...path, "selector"], report);
    if (s) peer.selector = s;
  }
  if (doc.namespaceSelector !== undefined) {
    const s = selectorRef(doc.namespaceSelector, [...path, "namespaceSelector"], report);
    if (s) peer.namespaceSelector = s;
  }
  if (doc.networks) {
    doc.networks.forEach((n, i) => {
      if (!networks.has(n)) report([...path, "networks", i], "unknown-network", `network ${show(n)} does not exist`);
    });
    peer.networks = doc.networks;
  }
  if (doc.cidrs) peer.cidrs = parseCidrs(doc.cidrs, [...path, "cidrs"], report);
  if (doc.notCidrs) peer.notCidrs = parseCidrs(doc.notCidrs, [...path, "notCidrs"], report);
  if (doc.sameLabels) {
    doc.sameLabels.forEach((k, i) => {
      const problem = labelKeyProblem(k);
      if (problem) report([...path, "sameLabels", i], "invalid-label", problem);
    });
    peer.sameLabels = doc.sameLabels;
  }
  return peer;
}

function buildSettings(list: Parsed<"Settings">[]): Settings {
  for (const { value, report } of list) {
    if (value.metadata.name !== "default") report(["metadata", "name"], "invalid-name", `Settings must be named "default", not ${show(value.metadata.name)}`);
  }
  const spec = list[0]?.value.spec;
  return { denyAction: spec?.denyAction ?? "Reject", allowAction: spec?.allowAction ?? "Accept", revokeEstablished: spec?.revokeEstablished ?? true, backend: spec?.backend ?? "auto", identity: spec?.identity ?? "address",
    logDenied: spec?.logDenied ?? false, logGroup: spec?.logGroup ?? 100, logRate: spec?.logRate ?? "10/second", logBurst: spec?.logBurst ?? 20 };
}

