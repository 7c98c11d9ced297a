import type { Labels, Selector } from "../model/index.js";

/** calicoctl semantics: `k != v` and `k not in {...}` also hold when the label is absent. */
export function selectorMatches(s: Selector, labels: Labels): boolean {
  switch (s.op) {
    case "all":
      return true;
    case "has":
      return Object.hasOwn(labels, s.key);
    case "eq":
      return labels[s.key] === s.value;
    case "ne":
      return labels[s.key] !== s.value;
    case "in":
      return Object.hasOwn(labels, s.key) && s.values.includes(labels[s.key]!);
    case "notin":
      return !Object.hasOwn(labels, s.key) || !s.values.includes(labels[s.key]!);
    case "not":
      return !selectorMatches(s.expr, labels);
    case "and":
      return s.exprs.every((e) => selectorMatches(e, labels));
    case "or":
      return s.exprs.some((e) => selectorMatches(e, labels));
  }
}
