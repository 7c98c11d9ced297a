// The CLI's exit codes, and the one map from moat's error kinds to them (main.ts applies it).
import type { ErrorKind } from "../errors/index.js";

export { BadRequest as UsageError, InvalidInput } from "../errors/index.js";

export const EXIT = { ok: 0, denied: 1, badInput: 2, failed: 3 } as const;

/** 2: the input was wrong and nothing was done; 3: moat could not do what was asked. */
export const EXIT_FOR: Record<ErrorKind, number> = {
  invalid: EXIT.badInput,
  "bad-request": EXIT.badInput,
  "not-found": EXIT.badInput,
  "too-large": EXIT.badInput,
  "unsupported-media": EXIT.badInput,
  conflict: EXIT.failed,
  gone: EXIT.failed,
  unauthorized: EXIT.failed,
  forbidden: EXIT.failed,
  "command-failed": EXIT.failed,
  unavailable: EXIT.failed,
};
