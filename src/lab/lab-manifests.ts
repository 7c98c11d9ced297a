// The manifests a lab is built from, completed so that the server and the lab see the same hosts: a
// node for each Workload without one (spread over N nodes, in document order) and a host-side
// interface for each without one (the lab names every veth, and the agent's rules dispatch on it). Pure.
import { InvalidInput } from "../errors/index.js";
import { API_VERSION, NO_NODE, type Issue, type Model, type SourcedDoc } from "../model/index.js";
import { assemble, type ParsedSources } from "../service/index.js";

export interface LabManifests {
  docs: SourcedDoc[];
  model: Model;
  /** The documents as one YAML stream (a JSON document each), as sent to the lab's server. */
  text: string;
}

type WorkloadDoc = { apiVersion: string; kind: string; metadata?: { name?: string; namespace?: string }; spec?: { node?: unknown; interface?: unknown } };

const isWorkload = (d: unknown): d is WorkloadDoc =>
  !!d && typeof d === "object" && (d as WorkloadDoc).apiVersion === API_VERSION && (d as WorkloadDoc).kind === "Workload" && typeof (d as WorkloadDoc).spec === "object" && (d as WorkloadDoc).spec !== null;

export function labManifests(parsed: ParsedSources, nodes: number): LabManifests {
  const docs = parsed.docs.map((d) => ({ ...d, doc: structuredClone(d.doc) }));
  const workloads = docs.map((d) => d.doc).filter(isWorkload);
  let spread = 0;
  for (const w of workloads) if (w.spec!.node === undefined) w.spec!.node = `node-${(spread++ % nodes) + 1}`;
  const taken = new Set(workloads.filter((w) => typeof w.spec!.interface === "string").map((w) => `${String(w.spec!.node)}\n${String(w.spec!.interface)}`));
  for (const [index, w] of workloads.entries()) {
    if (w.spec!.interface !== undefined) continue;
    let name = `lw${index}`;
    for (let n = 1; taken.has(`${String(w.spec!.node)}\n${name}`); n++) name = `lw${index}x${n}`;
    taken.add(`${String(w.spec!.node)}\n${name}`);
    w.spec!.interface = name;
  }
  const { model } = assemble({ docs, issues: parsed.issues });
  // Workloads the importers made (Kubernetes pods) carry neither field of ours.
  const issues: Issue[] = model.workloads.flatMap((w): Issue[] => [
    ...(w.node === NO_NODE ? [{ code: "lab-needs-node", path: ["spec", "node"], resource: `Workload/${w.id}`, message: `workload ${w.id} is on no node; the lab builds a host per node` }] : []),
    ...(!w.interface ? [{ code: "lab-needs-interface", path: ["spec", "interface"], resource: `Workload/${w.id}`, message: `workload ${w.id} has no interface; the lab names each workload's veth after it` }] : []),
  ]);
  if (!model.workloads.length) issues.push({ code: "lab-needs-workloads", path: [], message: "the manifests hold no workload: a lab needs at least one" });
  if (issues.length) throw new InvalidInput(issues);
  return { docs, model, text: `${docs.map((d) => JSON.stringify(d.doc)).join("\n---\n")}\n` };
}
