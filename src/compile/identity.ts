// Identities (Settings.spec.identity: mark): each distinct set of a workload's labels gets a 16-bit
// number, which its node writes into the low 16 bits of the packet mark and VXLAN GBP carries to the
// destination node, so that node can match the peer by identity instead of by address.
//
// Derived, not stored: the number is a hash of the label set (1..65535; 0 means "no identity"), and a
// label set whose number another one already holds takes the next free one, in the model's order (the
// store's order of creation). So every node computes the same numbers from the same model, no two label
// sets ever share one, and a label set keeps its number as long as it exists, except after a collision
// whose first holder goes away (then the later one moves to its own hash: a rare, visible rules change).
//
// The label set is the workload's labels less moat.dev/name and moat.dev/node, which are unique or
// per-node and would make every workload an identity of its own; a selector or sameLabels that names one
// of them puts it back in.
import type { Model, Selector, Workload } from "../model/index.js";
import { shortHash } from "./names.js";

/** The bits of the packet mark that carry the identity: GBP's 16-bit group policy ID. */
export const IDENTITY_MASK = 0xffff;
/** The interface packets from other nodes arrive on, carrying their source's identity. */
export const OVERLAY_DEVICE = "moat.vx";
const PER_WORKLOAD_KEYS = ["moat.dev/name", "moat.dev/node"];

function selectorKeys(s: Selector, out: Set<string>): void {
  switch (s.op) {
    case "all":
      return;
    case "not":
      return selectorKeys(s.expr, out);
    case "and":
    case "or":
      return s.exprs.forEach((e) => selectorKeys(e, out));
    default:
      out.add(s.key);
  }
}

function namedKeys(model: Model): Set<string> {
  const keys = new Set<string>();
  for (const p of model.policies) {
    selectorKeys(p.selector.tree, keys);
    for (const r of [...p.ingress, ...p.egress]) {
      if (r.peer?.selector) selectorKeys(r.peer.selector.tree, keys);
      for (const k of r.peer?.sameLabels ?? []) keys.add(k);
    }
  }
  return keys;
}

/** The labels that make a workload's identity, as one canonical text. */
export function identityKey(w: Workload, named: ReadonlySet<string>): string {
  const entries = Object.entries(w.labels).filter(([k]) => !PER_WORKLOAD_KEYS.includes(k) || named.has(k));
  return JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const cache = new WeakMap<Model, Map<Workload, number>>();

/** Every workload's identity number (1..65535). */
export function identities(model: Model): ReadonlyMap<Workload, number> {
  let ids = cache.get(model);
  if (ids) return ids;
  const named = namedKeys(model);
  const byKey = new Map<string, number>();
  const taken = new Set<number>();
  ids = new Map();
  for (const w of model.workloads) {
    const key = identityKey(w, named);
    let id = byKey.get(key);
    if (id === undefined) {
      id = (parseInt(shortHash(`identity\0${key}`, 8), 16) % IDENTITY_MASK) + 1;
      for (let tries = 0; taken.has(id); tries++) {
        if (tries > IDENTITY_MASK) throw new Error("more than 65535 distinct label sets: identities are 16 bits");
        id = (id % IDENTITY_MASK) + 1;
      }
      taken.add(id);
      byKey.set(key, id);
    }
    ids.set(w, id);
  }
  cache.set(model, ids);
  return ids;
}

/** The distinct identities of some workloads, ascending. */
export function identitiesOf(model: Model, workloads: readonly Workload[]): number[] {
  const ids = identities(model);
  return [...new Set(workloads.map((w) => ids.get(w)!))].sort((a, b) => a - b);
}
