// A moat Model to Kubernetes documents: a NetworkPolicy for each Policy and a Namespace for each
// Namespace resource (their labels are what namespaceSelectors match). Workloads are not exported:
// in Kubernetes the cluster creates pods and gives them their addresses. What Kubernetes cannot say
// is reported, naming the policy and the rule: actions other than Allow (so evaluation order never
// matters), ICMP, networks, sameLabels, selectors that are not a conjunction of label terms, peers
// mixing addresses and selectors, policies without a namespace, networks that are not open by default.
import { PSEUDO_PREFIX, show, type Issue, type Model, type Policy } from "../../model/index.js";
import { exportRule, type KubeRule } from "./export-rule.js";
import { conjunction, labelSelector, termHolds } from "./export-selector.js";
import { dnsLabelProblem, dnsSubdomainProblem } from "./names.js";
import { NAME_LABEL } from "./namespace.js";
import type { Report } from "./report.js";
import { CORE_API, NETWORKING_API } from "./schema.js";

export interface ExportResult {
  docs: Record<string, unknown>[];
  issues: Issue[];
}

export function exportKubernetes(model: Model): ExportResult {
  const issues: Issue[] = [];
  const at = (resource: string): Report => (path, code, message) => issues.push({ resource, path, code, message });

  for (const n of model.networks) {
    if (n.isolation !== "none" && model.workloads.some((w) => w.network === n.name)) {
      at(`Network/${n.name}`)(["spec", "isolation"], "not-expressible", `isolation ${show(n.isolation)} cannot be expressed: Kubernetes lets in what no NetworkPolicy selects, like isolation "none"`);
    }
  }
  const namespaces = [...model.namespaces]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((ns) => {
      const problem = dnsLabelProblem(ns.name);
      if (problem) at(`Namespace/${ns.name}`)(["metadata", "name"], "not-expressible", problem);
      // The API server sets kubernetes.io/metadata.name itself.
      const labels = Object.fromEntries(Object.entries(ns.labels).filter(([k]) => k !== NAME_LABEL));
      return { apiVersion: CORE_API, kind: "Namespace", metadata: { name: ns.name, ...(Object.keys(labels).length ? { labels } : {}) } };
    });
  const policies = model.policies.map((p) => exportPolicy(p, at(`Policy/${p.id}`)));
  return { docs: issues.length ? [] : [...namespaces, ...policies], issues };
}

function exportPolicy(p: Policy, report: Report): Record<string, unknown> {
  const namespace = p.namespace ?? "";
  if (!p.namespace) report(["metadata", "namespace"], "not-expressible", `policy ${show(p.name)} has no namespace: a NetworkPolicy lives in one namespace and applies to its pods only`);
  else {
    const problem = dnsLabelProblem(p.namespace);
    if (problem) report(["metadata", "namespace"], "not-expressible", problem);
  }
  const nameProblem = dnsSubdomainProblem(p.name);
  if (nameProblem) report(["metadata", "name"], "not-expressible", nameProblem);

  const problems: string[] = [];
  const terms = conjunction(p.selector.tree, problems).filter((t) => {
    if (!t.key.startsWith(PSEUDO_PREFIX)) return true;
    // The policy applies only in its namespace, so a term on the namespace is known already.
    if (t.key === `${PSEUDO_PREFIX}namespace` && p.namespace) {
      if (!termHolds(t, { [t.key]: p.namespace })) problems.push(`it selects no workload of the policy's namespace ${show(p.namespace)}`);
    } else problems.push(`${t.key} is moat's own label, and a Kubernetes pod has no such label`);
    return false;
  });
  const podSelector = labelSelector(terms, problems);
  for (const problem of problems) report(["spec", "selector"], "not-expressible", `${show(p.selector.text)} cannot be expressed: ${problem}`);

  const rules = (side: "from" | "to", list: Policy["ingress"], key: string): KubeRule[] =>
    list.flatMap((r, i) => exportRule(r, side, namespace, ["spec", key, i], report) ?? []);
  const ingress = p.types.includes("Ingress") ? rules("from", p.ingress, "ingress") : [];
  const egress = p.types.includes("Egress") ? rules("to", p.egress, "egress") : [];
  return {
    apiVersion: NETWORKING_API,
    kind: "NetworkPolicy",
    metadata: { name: p.name, namespace },
    spec: { podSelector, policyTypes: p.types, ...(ingress.length ? { ingress } : {}), ...(egress.length ? { egress } : {}) },
  };
}
