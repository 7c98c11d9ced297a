// A calicoctl selector back to a metav1.LabelSelector, where one can say the same thing: a conjunction
// of terms on one label each. `!` is pushed inward (De Morgan), so `!(a == "x" || has(b))` still fits;
// a disjunction does not, and neither does a term that selects nothing, which the API server forbids
// (`k in {}`) or cannot write (`!all()`).
import { labelKeyProblem, labelValueProblem, type Selector } from "../../model/index.js";
import type { LabelSelectorDoc } from "./schema.js";

export interface Term {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  values?: string[];
}

/** The terms whose AND is the selector; problems (why it cannot be) are pushed to `problems`. */
export function conjunction(s: Selector, problems: string[]): Term[] {
  switch (s.op) {
    case "all":
      return [];
    case "and":
      return s.exprs.flatMap((e) => conjunction(e, problems));
    case "or":
      return void problems.push("it uses ||, and a Kubernetes label selector can only AND its terms"), [];
    case "eq":
      return [{ key: s.key, operator: "In", values: [s.value] }];
    case "ne":
      return [{ key: s.key, operator: "NotIn", values: [s.value] }];
    case "in":
      if (!s.values.length) return void problems.push(`${s.key} in {} selects nothing, and Kubernetes needs at least one value`), [];
      return [{ key: s.key, operator: "In", values: s.values }];
    case "notin":
      return s.values.length ? [{ key: s.key, operator: "NotIn", values: s.values }] : [];
    case "has":
      return [{ key: s.key, operator: "Exists" }];
    case "not":
      return negation(s.expr, problems);
  }
}

function negation(s: Selector, problems: string[]): Term[] {
  switch (s.op) {
    case "all":
      return void problems.push("!all() selects nothing"), [];
    case "or":
      return s.exprs.flatMap((e) => negation(e, problems));
    case "and":
      return void problems.push("it negates an &&, which is an OR, and a Kubernetes label selector can only AND its terms"), [];
    case "eq":
      return [{ key: s.key, operator: "NotIn", values: [s.value] }];
    case "ne":
      return [{ key: s.key, operator: "In", values: [s.value] }];
    case "in":
      return s.values.length ? [{ key: s.key, operator: "NotIn", values: s.values }] : [];
    case "notin":
      if (!s.values.length) return void problems.push(`!(${s.key} not in {}) selects nothing`), [];
      return [{ key: s.key, operator: "In", values: s.values }];
    case "has":
      return [{ key: s.key, operator: "DoesNotExist" }];
    case "not":
      return conjunction(s.expr, problems);
  }
}

/** Whether a term holds for these labels (for terms on moat's pseudo-labels, known in advance). */
export function termHolds(t: Term, labels: Record<string, string>): boolean {
  const v = labels[t.key];
  switch (t.operator) {
    case "In":
      return v !== undefined && t.values!.includes(v);
    case "NotIn":
      return v === undefined || !t.values!.includes(v);
    case "Exists":
      return v !== undefined;
    case "DoesNotExist":
      return v === undefined;
  }
}

/** Terms as a LabelSelector: single-value In terms on a key used once read best as matchLabels. */
export function labelSelector(terms: Term[], problems: string[]): LabelSelectorDoc {
  for (const t of terms) {
    const problem = labelKeyProblem(t.key) ?? (t.values ?? []).map(labelValueProblem).find(Boolean);
    if (problem) problems.push(problem);
  }
  const once = (key: string) => terms.filter((t) => t.key === key).length === 1;
  const asLabel = (t: Term) => t.operator === "In" && t.values!.length === 1 && once(t.key);
  const matchLabels = Object.fromEntries(terms.filter(asLabel).map((t) => [t.key, t.values![0]!]));
  const matchExpressions = terms.filter((t) => !asLabel(t)).map((t) => ({ key: t.key, operator: t.operator, ...(t.values ? { values: t.values } : {}) }));
  return {
    ...(Object.keys(matchLabels).length ? { matchLabels } : {}),
    ...(matchExpressions.length ? { matchExpressions } : {}),
  };
}
