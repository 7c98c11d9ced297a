import { compile, type Plan } from "../compile/index.js";
import { planHash } from "../dataplane/index.js";
import { NO_NODE, type Model } from "../model/index.js";

export interface NodePlan {
  node: string;
  plan: Plan;
  /** The hash of the whole Plan, set members included: equal hashes, nothing to apply. */
  hash: string;
}

export function nodePlan(model: Model, node: string): NodePlan {
  const plan = compile(model, node);
  return { node, plan, hash: planHash(plan) };
}

/** The nodes the model places workloads on, sorted. */
export const modelNodes = (model: Model): string[] => [...new Set(model.workloads.map((w) => w.node).filter((n) => n !== NO_NODE))].sort();
