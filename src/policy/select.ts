// Which workloads a selector matches, answered by set algebra over a label index instead of testing every
// workload: compiling 10,000 policies over 100,000 workloads must not cost 10^9 selector evaluations.
// The answer equals filtering with selectorMatches (the property tests hold them to it).
import type { Selector, Workload } from "../model/index.js";

export class LabelIndex {
  private readonly byKey = new Map<string, Map<string, Set<Workload>>>();
  private readonly withKey = new Map<string, Set<Workload>>();
  readonly all: Set<Workload>;

  constructor(workloads: Workload[]) {
    this.all = new Set(workloads);
    for (const w of workloads) {
      for (const [k, v] of Object.entries(w.labels)) {
        let values = this.byKey.get(k);
        if (!values) this.byKey.set(k, (values = new Map()));
        let set = values.get(v);
        if (!set) values.set(v, (set = new Set()));
        set.add(w);
        let keyed = this.withKey.get(k);
        if (!keyed) this.withKey.set(k, (keyed = new Set()));
        keyed.add(w);
      }
    }
  }

  select(s: Selector): Set<Workload> {
    switch (s.op) {
      case "all":
        return this.all;
      case "has":
        return this.withKey.get(s.key) ?? new Set();
      case "eq":
        return this.byKey.get(s.key)?.get(s.value) ?? new Set();
      case "ne":
        return minus(this.all, this.select({ op: "eq", key: s.key, value: s.value }));
      case "in":
        return union(s.values.map((value) => this.select({ op: "eq", key: s.key, value })));
      case "notin":
        return minus(this.all, this.select({ op: "in", key: s.key, values: s.values }));
      case "not":
        return minus(this.all, this.select(s.expr));
      case "or":
        return union(s.exprs.map((e) => this.select(e)));
      case "and": {
        const parts = s.exprs.map((e) => this.select(e)).sort((a, b) => a.size - b.size);
        const [smallest, ...rest] = parts;
        return new Set([...smallest!].filter((w) => rest.every((p) => p.has(w))));
      }
    }
  }
}

function union(sets: Set<Workload>[]): Set<Workload> {
  if (sets.length === 1) return sets[0]!;
  const out = new Set<Workload>();
  for (const s of sets) for (const w of s) out.add(w);
  return out;
}

function minus(all: Set<Workload>, remove: Set<Workload>): Set<Workload> {
  if (remove.size === 0) return all;
  const out = new Set<Workload>();
  for (const w of all) if (!remove.has(w)) out.add(w);
  return out;
}
