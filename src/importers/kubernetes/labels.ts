import { labelKeyProblem, labelValueProblem, PSEUDO_PREFIX, show } from "../../model/index.js";
import type { Report } from "./report.js";

/** Checked here, so that a bad label is reported on the Pod or Namespace the user wrote. */
export function checkLabels(labels: Record<string, string> | null | undefined, report: Report): void {
  for (const [key, value] of Object.entries(labels ?? {})) {
    const problem = labelKeyProblem(key) ?? labelValueProblem(value);
    if (problem) report(["metadata", "labels", key], "invalid-label", problem);
    else if (key.startsWith(PSEUDO_PREFIX)) report(["metadata", "labels", key], "reserved-label", `label key ${show(key)} is reserved: moat sets the ${PSEUDO_PREFIX}* labels itself`);
  }
}
