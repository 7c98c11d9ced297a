// Verdicts in words: which stage decided, and what there (a policy's rule, or the network default).
import type { StageResult } from "./verdict.js";

function networkDefault(s: StageResult): string {
  if (s.stage === "egress") return "egress is open by default";
  const n = `network ${s.network}`;
  switch (s.isolation) {
    case "none":
      return `${n} lets anyone in (isolation none)`;
    case "network":
      return s.allowed ? `the source is a member of ${n} (isolation network)` : `${n} lets only its own members in (isolation network)`;
    default:
      return `${n} lets no one in without a policy (isolation workload)`;
  }
}

export function describeStage(s: StageResult): string {
  const c = s.cause;
  const where = `${s.stage} of ${s.workload ?? "?"}`;
  switch (c.kind) {
    case "not-a-workload":
      return `${s.stage}: not a workload, no policy applies`;
    case "rule":
      return `${where}: policy ${c.policy} ${s.stage} rule ${c.rule} (${c.action})`;
    case "undecided":
      return `${where}: policies ${c.policies.join(", ")} apply and none of their rules matched`;
    case "no-policy":
      return `${where}: no policy applies and ${networkDefault(s)}`;
    case "pass":
      return `${where}: policy ${c.policy} ${s.stage} rule ${c.rule} (Pass) left it to the network default: ${networkDefault(s)}`;
  }
}

export function explain(allowed: boolean, stages: StageResult[]): string {
  if (!allowed) return `denied at ${describeStage(stages[stages.length - 1]!)}`;
  return `allowed: ${stages.map(describeStage).join("; then ")}`;
}
