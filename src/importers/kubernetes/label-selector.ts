// metav1.LabelSelector to the calicoctl selector language. matchLabels and matchExpressions are ANDed;
// the empty selector selects everything. Kubernetes' NotIn and DoesNotExist hold for an object without
// the label, and so do calicoctl's `not in` and `!has`, so each term maps one to one.
import { labelKeyProblem, labelValueProblem, PSEUDO_PREFIX, show, type IssuePath } from "../../model/index.js";
import type { Report } from "./report.js";
import type { LabelSelectorDoc } from "./schema.js";

const quote = (v: string) => JSON.stringify(v);

/** The selector's terms, each a calicoctl expression; none means "everything". */
export function selectorTerms(sel: LabelSelectorDoc | null | undefined, path: IssuePath, report: Report): string[] {
  if (!sel) return [];
  const terms: string[] = [];
  const key = (k: string, at: IssuePath) => {
    // moat's pseudo-labels are on every workload; in Kubernetes no pod carries them.
    const reserved = k.startsWith(PSEUDO_PREFIX) ? `label key ${show(k)} is reserved: moat sets the ${PSEUDO_PREFIX}* labels itself` : undefined;
    const problem = labelKeyProblem(k) ?? reserved;
    if (problem) report(at, "invalid-label", problem);
    return !problem;
  };
  const value = (v: string, at: IssuePath) => {
    const problem = labelValueProblem(v);
    if (problem) report(at, "invalid-label", problem);
    return !problem;
  };
  for (const k of Object.keys(sel.matchLabels ?? {}).sort()) {
    const v = sel.matchLabels![k]!;
    if (key(k, [...path, "matchLabels", k]) && value(v, [...path, "matchLabels", k])) terms.push(`${k} == ${quote(v)}`);
  }
  (sel.matchExpressions ?? []).forEach((e, i) => {
    const at = [...path, "matchExpressions", i];
    const values = e.values ?? [];
    const keyOk = key(e.key, [...at, "key"]);
    const valuesOk = values.map((v, j) => value(v, [...at, "values", j])).every(Boolean);
    const set = `{${values.map(quote).join(", ")}}`;
    switch (e.operator) {
      case "In":
      case "NotIn":
        if (!values.length) return report([...at, "values"], "required", `operator ${e.operator} needs at least one value`);
        if (keyOk && valuesOk) terms.push(e.operator === "In" ? `${e.key} in ${set}` : `${e.key} not in ${set}`);
        return;
      case "Exists":
      case "DoesNotExist":
        if (values.length) return report([...at, "values"], "forbidden", `operator ${e.operator} takes no values, got ${show(values)}`);
        if (keyOk) terms.push(e.operator === "Exists" ? `has(${e.key})` : `!has(${e.key})`);
        return;
    }
  });
  return terms;
}

export function joinTerms(terms: string[]): string {
  return terms.length ? terms.join(" && ") : "all()";
}
