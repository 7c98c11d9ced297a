// The few errors the CLI knows; main.ts alone turns them into exit codes.
import { formatIssue, type Issue } from "../model/index.js";

export const EXIT = { ok: 0, denied: 1, badInput: 2, failed: 3 } as const;

/** Bad flags or arguments: exit 2 with the message. */
export class UsageError extends Error {}

/** Manifests that do not validate: exit 2 with every issue, one a line. */
export class InvalidInput extends Error {
  constructor(readonly issues: Issue[]) {
    super(issues.map(formatIssue).join("\n"));
  }
}
