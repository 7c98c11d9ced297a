// Examples as three-node clusters: every workload of an example moved onto node-1, node-2, node-3 in turn,
// with the identity mode asked for. Shared by the pure and the kernel tests of the overlay.
import { readdirSync, readFileSync } from "node:fs";
import { buildModel, formatIssue, parseDocuments, type Model } from "../../src/model/index.js";

export const OVERLAY_NODES = ["node-1", "node-2", "node-3"];
const EXAMPLES = new URL("../../examples/", import.meta.url);

export const exampleFiles = () => readdirSync(EXAMPLES).filter((f) => f.endsWith(".yaml")).sort();

type Doc = { kind?: string; metadata?: { name?: string }; spec?: Record<string, unknown> };

/** The example's documents with workloads spread over the nodes and Settings.identity set. */
export function spreadDocs(text: string, identity: "address" | "mark", file = "inline"): Doc[] {
  const { docs, issues } = parseDocuments(text, file);
  if (issues.length) throw new Error(issues.map(formatIssue).join("\n"));
  let i = 0;
  const out = docs.map((d) => structuredClone(d.doc) as Doc);
  for (const d of out) if (d.kind === "Workload" && d.spec) d.spec.node = OVERLAY_NODES[i++ % OVERLAY_NODES.length];
  const settings = out.find((d) => d.kind === "Settings");
  if (settings) settings.spec = { ...settings.spec, identity };
  else out.push({ kind: "Settings", metadata: { name: "default" }, spec: { identity }, ...{ apiVersion: "moat.dev/v1" } } as Doc);
  return out;
}

export function modelOf(docs: Doc[], file = "inline"): Model {
  const built = buildModel(docs.map((doc, index) => ({ file, index, doc })));
  if (!built.ok) throw new Error(built.issues.map(formatIssue).join("\n"));
  return built.value;
}

export const spreadExample = (file: string, identity: "address" | "mark") => modelOf(spreadDocs(readFileSync(new URL(file, EXAMPLES), "utf8"), identity, file), file);
