// CNI errors: what the spec says a plugin prints on failure ({cniVersion, code, msg, details} on stdout,
// exit 1), with its well-known codes. moat's own error kinds map here once, as the CLI and server map them.
// Only the type of moat's errors is imported: VERSION (which podman asks several times per container)
// then answers without loading the model, and the kind is read from the error itself.
import type { ErrorKind, MoatError } from "../errors/index.js";

export const CNI_CODES = {
  incompatibleVersion: 1,
  unsupportedField: 2,
  unknownContainer: 3,
  invalidNetworkConfig: 4,
  ioFailure: 5,
  decodeFailure: 6,
  invalidEnvironment: 7,
  tryAgainLater: 11,
  // Plugin-specific codes start at 100.
  notEnforced: 100,
  ipamFailure: 101,
  serverRefused: 102,
} as const;

export class CniError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly details = "",
  ) {
    super(message);
    this.name = "CniError";
  }
}

const CODE_FOR_KIND: Record<ErrorKind, number> = {
  invalid: CNI_CODES.invalidNetworkConfig,
  "bad-request": CNI_CODES.invalidNetworkConfig,
  "not-found": CNI_CODES.invalidNetworkConfig,
  conflict: CNI_CODES.ipamFailure,
  gone: CNI_CODES.tryAgainLater,
  unauthorized: CNI_CODES.serverRefused,
  forbidden: CNI_CODES.serverRefused,
  "too-large": CNI_CODES.serverRefused,
  "unsupported-media": CNI_CODES.serverRefused,
  "command-failed": CNI_CODES.ioFailure,
  unavailable: CNI_CODES.tryAgainLater,
};

const isMoatError = (e: unknown): e is MoatError => e instanceof Error && typeof (e as { kind?: unknown }).kind === "string" && (e as unknown as { kind: string }).kind in CODE_FOR_KIND;

/** The error JSON for anything thrown; what is neither a CniError nor a MoatError is a bug, said as such. */
export function errorResult(e: unknown, cniVersion: string): { cniVersion: string; code: number; msg: string; details: string } {
  if (e instanceof CniError) return { cniVersion, code: e.code, msg: e.message, details: e.details };
  if (isMoatError(e)) return { cniVersion, code: CODE_FOR_KIND[e.kind], msg: e.message.split("\n")[0]!, details: e.message };
  return { cniVersion, code: 999, msg: `moat-cni failed unexpectedly: ${(e as Error)?.message ?? String(e)}`, details: (e as Error)?.stack ?? "" };
}
