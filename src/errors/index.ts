// The few kinds of failure moat has. Domain code throws these; each surface maps them once: the CLI to an
// exit code and one line (src/cli/main.ts), the server to an HTTP status and a JSON body (src/server).
// Pure: no I/O, so every layer may use it.
// Issues and visible() are here rather than in the model, so that this layer loads nothing else: the
// CNI plugin loads it, and the model's index pulls in the schema and zod (about 200 ms of a plugin run).
import { formatIssue, type Issue } from "./issues.js";

export { formatIssue, formatPath, show, type Issue, type IssuePath, type Result } from "./issues.js";
export { hasControl, visible, visibleLines } from "./visible.js";

export type ErrorKind =
  | "invalid" // manifests or a request body that do not validate: every issue
  | "bad-request" // a flag, argument or body that cannot be read at all
  | "not-found"
  | "conflict" // the state changed under the caller, or someone else holds it
  | "gone" // a watch revision older than the history kept
  | "unauthorized"
  | "forbidden"
  | "too-large"
  | "unsupported-media"
  | "command-failed" // a child process exited non-zero
  | "unavailable"; // a server, a tool or the kernel cannot be reached

export class MoatError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Input that does not validate: every issue, gathered. */
export class InvalidInput extends MoatError {
  constructor(readonly issues: Issue[]) {
    super("invalid", issues.map(formatIssue).join("\n"));
  }
}

/** A flag, argument or request that cannot be read (the CLI's usage errors). */
export class BadRequest extends MoatError {
  constructor(message: string) {
    super("bad-request", message);
  }
}

export class NotFound extends MoatError {
  constructor(message: string) {
    super("not-found", message);
  }
}

export class Conflict extends MoatError {
  constructor(message: string) {
    super("conflict", message);
  }
}

export class Unavailable extends MoatError {
  constructor(message: string) {
    super("unavailable", message);
  }
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A program that exited non-zero: the command, its input, its exit code and its stderr. */
export class CommandFailed extends MoatError {
  constructor(
    readonly cmd: string,
    readonly args: string[],
    readonly result: CommandResult,
    readonly input?: string,
  ) {
    super("command-failed", `${[cmd, ...args].join(" ")} exited ${result.code}: ${result.stderr.trim() || result.stdout.trim() || "(no output)"}`);
  }
}

/** Any thrown value as a MoatError; what is not one is a bug, reported as such without its stack. */
export function asMoatError(e: unknown): MoatError | undefined {
  return e instanceof MoatError ? e : undefined;
}
