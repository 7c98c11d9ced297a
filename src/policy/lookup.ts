// Derived lookups over a Model (address to workload, selector results), computed once per Model and
// kept beside it. The Model is immutable, so caching changes no answer; it only makes a matrix of
// thousands of flows cheap.
import type { Ip, Model, Namespace, Policy, PolicyType, SelectorRef, Workload } from "../model/index.js";
import { LabelIndex } from "./select.js";
import { selectorMatches } from "./selector.js";

export interface Lookup {
  workloadAt(ip: Ip): Workload | undefined;
  /** A workload's namespace is matched on the labels of its Namespace resource (none if undeclared). */
  namespaceMatches(selector: SelectorRef, namespace: string): boolean;
  matches(selector: SelectorRef, w: Workload): boolean;
  /** Every workload a selector matches (fast, through a label index). */
  select(selector: SelectorRef): Set<Workload>;
  /** Policies that apply to w for a direction, in evaluation order. */
  policiesFor(w: Workload, type: PolicyType): Policy[];
}

const cache = new WeakMap<Model, Lookup>();

export function lookup(model: Model): Lookup {
  let l = cache.get(model);
  if (!l) cache.set(model, (l = build(model)));
  return l;
}

function build(model: Model): Lookup {
  const byIp = new Map<string, Workload>();
  for (const w of model.workloads) for (const ip of w.ips) byIp.set(`${ip.family}/${ip.value}`, w);
  const namespaces = new Map<string, Namespace>(model.namespaces.map((n) => [n.name, n]));
  const selectorCache = new WeakMap<SelectorRef, WeakMap<Workload, boolean>>();
  const policyCache = new WeakMap<Workload, Partial<Record<PolicyType, Policy[]>>>();

  const matches = (selector: SelectorRef, w: Workload): boolean => {
    let perWorkload = selectorCache.get(selector);
    if (!perWorkload) selectorCache.set(selector, (perWorkload = new WeakMap()));
    let hit = perWorkload.get(w);
    if (hit === undefined) perWorkload.set(w, (hit = selectorMatches(selector.tree, w.labels)));
    return hit;
  };

  let index: LabelIndex | undefined;
  const selections = new WeakMap<SelectorRef, Set<Workload>>();

  return {
    select(selector) {
      let hit = selections.get(selector);
      if (!hit) selections.set(selector, (hit = (index ??= new LabelIndex(model.workloads)).select(selector.tree)));
      return hit;
    },
    workloadAt: (ip) => byIp.get(`${ip.family}/${ip.value}`),
    namespaceMatches: (selector, name) => selectorMatches(selector.tree, namespaces.get(name)?.labels ?? {}),
    matches,
    policiesFor(w, type) {
      let perType = policyCache.get(w);
      if (!perType) policyCache.set(w, (perType = {}));
      return (perType[type] ??= model.policies.filter(
        (p) => p.types.includes(type) && (p.namespace === undefined || p.namespace === w.namespace) && matches(p.selector, w),
      ));
    },
  };
}
