// Shared steps of the kernel tests: build a lab from a model, enforce the model on every node with the
// real runner, and compare real connections with decide.
import "../support/state-dirs.js";
import { readFileSync } from "node:fs";
import { compile } from "../../src/compile/index.js";
import { applyPlan, type ApplyReport } from "../../src/dataplane/index.js";
import type { BackendName } from "../../src/render/index.js";
import { cleanupLabs, createLab, labPrefix, requireKernelTools, withLabInterfaces, type Lab, type ProbeRequest, type ProbeResult } from "../../src/lab/index.js";
import { buildModel, formatIssue, parseDocuments, type Model } from "../../src/model/index.js";
import { decide } from "../../src/policy/index.js";

export type LabProtocol = "TCP" | "UDP";

export function modelFrom(text: string, file = "inline"): Model {
  const { docs, issues } = parseDocuments(text, file);
  const built = buildModel(docs);
  if (issues.length || !built.ok) throw new Error([...issues, ...(built.ok ? [] : built.issues)].map(formatIssue).join("\n"));
  return withLabInterfaces(built.value);
}

export const exampleModel = (name: string) => modelFrom(readFileSync(new URL(`../../examples/${name}`, import.meta.url), "utf8"), name);

export const nodesOf = (model: Model) => [...new Set(model.workloads.map((w) => w.node))].sort();

/** Every kernel test runs once per backend (MOAT_BACKENDS=iptables,nftables narrows it). */
export const BACKENDS = (process.env.MOAT_BACKENDS ?? "iptables,nftables").split(",").filter(Boolean) as BackendName[];

export async function enforce(lab: Lab, model: Model, backend: BackendName = "iptables"): Promise<ApplyReport[]> {
  const reports: ApplyReport[] = [];
  for (const node of nodesOf(model)) reports.push(await applyPlan(lab.nodeRunner(node), compile(model, node), { backend }));
  return reports;
}

/** Runs fn against a fresh lab of the model, and always removes the lab. */
export async function withLab<T>(model: Model, fn: (lab: Lab) => Promise<T>, timeoutMs = 1500): Promise<T> {
  await requireKernelTools();
  const prefix = labPrefix();
  const lab = await createLab(model, { prefix, timeoutMs });
  try {
    return await fn(lab);
  } finally {
    await lab.destroy().catch(() => cleanupLabs(prefix));
  }
}

export interface Expected extends ProbeRequest {
  allowed: boolean;
  reason: string;
}

/** Every ordered pair of distinct workloads, on each port and protocol, over each family they share. */
export function allPairs(model: Model, ports: { port: number; protocol: LabProtocol }[], families: (4 | 6)[] = [4, 6]): Expected[] {
  const out: Expected[] = [];
  for (const a of model.workloads) {
    for (const b of model.workloads) {
      if (a === b) continue;
      for (const family of families) {
        const src = a.ips.find((ip) => ip.family === family);
        const dst = b.ips.find((ip) => ip.family === family);
        if (!src || !dst) continue;
        for (const p of ports) {
          const v = decide(model, { src, dst, protocol: p.protocol, port: p.port });
          out.push({ from: a.id, to: dst.text, port: p.port, protocol: p.protocol, family, allowed: v.allowed, reason: v.reason });
        }
      }
    }
  }
  return out;
}

export const describeProbe = (e: Expected, r: ProbeResult) =>
  `${e.protocol} ${e.from} -> ${e.to}:${e.port}: kernel ${r.outcome} (${r.detail}), decide ${e.allowed ? "allowed" : "denied"} (${e.reason})`;

/** Listens on every port, probes every expectation, and returns the disagreements (empty when the kernel agrees). */
export async function disagreements(lab: Lab, expected: Expected[]): Promise<string[]> {
  const ports = new Map(expected.map((e) => [`${e.protocol}/${e.port}`, e]));
  for (const e of ports.values()) await lab.listenAll(e.port, e.protocol as LabProtocol);
  const results = await lab.probeMany(expected);
  return expected.flatMap((e, i) => (results[i]!.connected === e.allowed ? [] : [describeProbe(e, results[i]!)]));
}

