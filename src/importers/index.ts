// Every document a user may give moat, to moat.dev/v1 documents: moat's own pass through unchanged,
// Kubernetes' are translated by their dialect. What is neither is reported here, by name, rather
// than left to buildModel's "expected moat.dev/v1".
import { API_VERSION, show, type Issue, type SourcedDoc } from "../model/index.js";
import { importKubernetes, kubernetesKind } from "./kubernetes/index.js";

const READ = `moat reads ${API_VERSION} resources, v1 Namespace and Pod, and networking.k8s.io/v1 NetworkPolicy`;

/** moat documents, the issues of those that could not be translated, and notes (info) on what was left out. */
export function toMoatDocuments(sources: SourcedDoc[]): { docs: SourcedDoc[]; issues: Issue[]; notes: Issue[] } {
  const issues: Issue[] = [];
  const kept = sources.filter((source) => {
    const d = source.doc as { apiVersion?: unknown; kind?: unknown } | null;
    if (!d || typeof d !== "object" || typeof d.apiVersion !== "string" || d.apiVersion === API_VERSION || kubernetesKind(d)) return true;
    const path = d.apiVersion === "v1" || d.apiVersion === "networking.k8s.io/v1" ? ["kind"] : ["apiVersion"];
    issues.push({ file: source.file, document: source.index, code: "unsupported-kind", path, message: `${show(d.apiVersion)} ${show(d.kind)} is not supported: ${READ}` });
    return false;
  });
  const k = importKubernetes(kept);
  return { docs: k.docs, issues: [...issues, ...k.issues], notes: k.notes };
}

export { exportKubernetes, POD_NETWORK } from "./kubernetes/index.js";
export { printManifests, type ImportResult, type OutputFormat } from "./emit.js";
