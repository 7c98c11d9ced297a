// The CNI versions moat-cni speaks. 1.0.0 is its own; configs of 0.3.0, 0.3.1 and 0.4.0 are accepted
// and their results written in that version's shape (0.3.x and 0.4.0 give each ip a "version"; 1.0.0
// dropped it). STATUS and GC are CNI 1.1.
import { CniError, CNI_CODES } from "./errors.js";
import type { CniResult } from "./result.js";

export const SUPPORTED_VERSIONS = ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"] as const;
export const OWN_VERSION = "1.0.0";

export function requireVersion(version: string, command: string): void {
  if (!(SUPPORTED_VERSIONS as readonly string[]).includes(version)) {
    throw new CniError(CNI_CODES.incompatibleVersion, `cniVersion ${JSON.stringify(version)} is not supported`, `moat-cni supports ${SUPPORTED_VERSIONS.join(", ")}`);
  }
  if ((command === "CHECK" && version.startsWith("0.3.")) || ((command === "STATUS" || command === "GC") && version !== "1.1.0")) {
    throw new CniError(CNI_CODES.incompatibleVersion, `cniVersion ${version} has no ${command}`, command === "CHECK" ? "CHECK came with 0.4.0" : `${command} came with 1.1.0`);
  }
}

/** A result in the shape of the config's version. */
export function inVersion(result: CniResult, version: string): Record<string, unknown> {
  const old = version.startsWith("0.");
  return {
    cniVersion: version,
    interfaces: result.interfaces,
    ips: result.ips.map((ip) => ({ ...(old ? { version: ip.address.includes(":") ? "6" : "4" } : {}), ...ip })),
    routes: result.routes,
    dns: result.dns ?? {},
  };
}

export const versionResult = (cniVersion: string) => ({ cniVersion, supportedVersions: [...SUPPORTED_VERSIONS] });
