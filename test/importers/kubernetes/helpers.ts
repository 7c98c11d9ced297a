import { toMoatDocuments } from "../../../src/importers/index.js";
import type { Io } from "../../../src/cli/io.js";
import { buildModel, formatIssue, type Issue, type Model, type SourcedDoc } from "../../../src/model/index.js";

/** Documents as if read from one file, in order. */
export function sources(docs: unknown[], file = "in.yaml"): SourcedDoc[] {
  return docs.map((doc, index) => ({ file, index, doc }));
}

/** Dialect then buildModel: a Model, or every issue of both. */
export function read(docs: SourcedDoc[]): { model?: Model; issues: Issue[] } {
  const converted = toMoatDocuments(docs);
  const built = buildModel(converted.docs);
  const issues = [...converted.issues, ...(built.ok ? [] : built.issues)];
  return built.ok && !issues.length ? { model: built.value, issues } : { issues };
}

export function modelOf(docs: SourcedDoc[]): Model {
  const r = read(docs);
  if (!r.model) throw new Error(`does not validate:\n${r.issues.map(formatIssue).join("\n")}`);
  return r.model;
}

export function issuesOf(docs: SourcedDoc[]): string[] {
  return read(docs).issues.map(formatIssue);
}

export function memoryIo(files: Record<string, string>, stdin = ""): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (t) => void stdout.push(t),
    err: (t) => void stderr.push(t),
    readFile: async (p) => {
      if (!(p in files)) throw new Error(`ENOENT: no such file ${p}`);
      return files[p]!;
    },
    readStdin: async () => stdin,
  };
}

// Kubernetes objects in a few lines.
type Labels = Record<string, string>;

export function ns(name: string, labels?: Labels): Record<string, unknown> {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name, ...(labels ? { labels } : {}) } };
}

export interface PodOptions {
  labels?: Labels;
  ip?: string | string[];
  node?: string;
  ports?: { name?: string; containerPort: number; protocol?: string }[][];
  phase?: string;
  hostNetwork?: boolean;
}

export function pod(id: string, o: PodOptions = {}): Record<string, any> {
  const [namespace, name] = id.split("/") as [string, string];
  const ips = o.ip === undefined ? [] : Array.isArray(o.ip) ? o.ip : [o.ip];
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, ...(o.labels ? { labels: o.labels } : {}) },
    spec: {
      nodeName: o.node ?? "node-1",
      ...(o.hostNetwork ? { hostNetwork: true } : {}),
      containers: (o.ports ?? [[]]).map((ports, i) => ({ name: `c${i}`, image: "registry.k8s.io/pause:3.9", ...(ports.length ? { ports } : {}) })),
    },
    status: { phase: o.phase ?? "Running", ...(ips.length ? { podIP: ips[0], podIPs: ips.map((ip) => ({ ip })) } : {}) },
  };
}

export function netpol(id: string, spec: Record<string, unknown>): Record<string, any> {
  const [namespace, name] = id.split("/") as [string, string];
  return { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace }, spec };
}
