import { checkLabels } from "./labels.js";
import { dnsLabelProblem } from "./names.js";
import type { Report } from "./report.js";
import type { NamespaceDoc } from "./schema.js";

/** The label the API server puts on every namespace (and keeps equal to its name) since 1.21. */
export const NAME_LABEL = "kubernetes.io/metadata.name";

export function namespaceLabels(name: string, labels: Record<string, string> | null | undefined): Record<string, string> {
  return { ...(labels ?? {}), [NAME_LABEL]: name };
}

/** A Namespace's name and labels, as the API server holds them. */
export function readNamespace(ns: NamespaceDoc, report: Report): { name: string; labels: Record<string, string> } {
  const problem = dnsLabelProblem(ns.metadata.name);
  if (problem) report(["metadata", "name"], "invalid-name", problem);
  checkLabels(ns.metadata.labels, report);
  return { name: ns.metadata.name, labels: namespaceLabels(ns.metadata.name, ns.metadata.labels) };
}
