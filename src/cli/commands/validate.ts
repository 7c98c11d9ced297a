import type { Model } from "../../model/index.js";

export function validateSummary(model: Model, files: string[]): string {
  const n = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;
  return `valid: ${n(model.networks.length, "network")}, ${n(model.workloads.length, "workload")}, ${n(model.policies.length, "policy").replace("policys", "policies")} in ${n(files.length, "file")}`;
}
