import { createHash } from "node:crypto";
import type { Plan } from "../compile/index.js";

const hashOf = (value: unknown) => createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 12);

const planHashes = new WeakMap<Plan, string>();

/** A hash of the whole Plan, set members included. Plans are never changed once compiled: one hash each
 * (an apply asks for it more than once; at 10k workloads each costs 35 ms). */
export function planHash(plan: Plan): string {
  let h = planHashes.get(plan);
  if (h === undefined) planHashes.set(plan, (h = hashOf({ chains: plan.chains, sets: plan.sets, hooks: plan.hooks })));
  return h;
}

/**
 * A hash of the rules alone, carried in the hook's comment: a workload that comes or goes changes set
 * members but not this, so it is applied as set updates without touching a rule.
 */
export const rulesHash = (plan: Plan) => hashOf({ chains: plan.chains, sets: plan.sets.map((s) => [s.name, s.kind]), hooks: plan.hooks });
