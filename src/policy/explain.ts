import type { StageResult } from "./verdict.js";

export function describeStage(s: StageResult): string {
  const where = `${s.stage} of ${s.workload ?? "?"}`;
  const c = s.cause;
  switch (c.kind) {
    case "not-a-workload":
      return `${s.stage}: not a workload, no policy applies`;
    case "rule":
      return `${where}: ${c.action === "Allow" ? "allowed" : "denied"} by policy ${c.policy} ${s.stage} rule ${c.rule} (${c.action})`;
    case "undecided":
      return `${where}: denied, policies ${c.policies.join(", ")} apply and none of their rules matched`;
    case "no-policy":
    case "pass": {
      const lead = c.kind === "pass" ? `policy ${c.policy} ${s.stage} rule ${c.rule} passed to the network default` : "no policy applies";
      const rule = s.stage === "egress" ? "egress is allowed by default" : `network isolation is ${s.isolation}`;
      return `${where}: ${s.allowed ? "allowed" : "denied"}, ${lead}; ${rule}`;
    }
  }
}

export function explain(allowed: boolean, stages: StageResult[]): string {
  if (!allowed) return `denied at ${describeStage(stages[stages.length - 1]!)}`;
  return `allowed: ${stages.map(describeStage).join("; then ")}`;
}
