// Running the kernel's tools, and saying in one line what is wrong when one is missing or moat is not root.
import { Unavailable } from "../errors/index.js";
import { CommandFailed, type Runner, type RunOptions, type RunResult } from "./runner.js";

/** The kernel or a tool cannot be reached: a missing program, no root. The CLI says it in one line, exit 3. */
export class DataplaneUnavailable extends Unavailable {}

const PACKAGES: Record<string, string> = { readlink: "coreutils", cat: "coreutils", ipset: "ipset", nft: "nftables", conntrack: "conntrack", flock: "util-linux", sysctl: "procps", modprobe: "kmod" };
export const debianPackage = (cmd: string) => (/^ip6?tables/.test(cmd) ? "iptables" : (PACKAGES[cmd] ?? cmd));

const MISSING = /ENOENT|exec of "[^"]*" failed: No such file|command not found|No such file or directory.*exec/;
const NOT_ROOT = /Permission denied \(you must be root\)|you must be root|Operation not permitted|Permission denied|must be run as root/i;

/** The failure as DataplaneUnavailable when it is a missing tool or missing privileges; undefined otherwise. */
export function unavailable(cmd: string, result: RunResult): DataplaneUnavailable | undefined {
  if (result.code === 0) return undefined;
  const text = `${result.stderr} ${result.stdout}`;
  if ((result.code === 127 || result.code === 255 || result.code === 1) && MISSING.test(text) && !text.includes("/proc/sys/")) {
    const pkg = debianPackage(cmd);
    return new DataplaneUnavailable(`${cmd} is not installed: install the Debian package ${pkg} (apt-get install ${pkg})`);
  }
  if (NOT_ROOT.test(text)) return new DataplaneUnavailable(`needs root: run as root or in a network namespace you own (${cmd}: ${result.stderr.trim().split("\n")[0]})`);
  return undefined;
}

/** Runs, throwing DataplaneUnavailable for a missing tool or privileges and CommandFailed for any other non-zero exit. */
export async function runTool(runner: Runner, cmd: string, args: string[], opts?: RunOptions): Promise<RunResult> {
  const result = await runner.run(cmd, args, opts);
  if (result.code === 0) return result;
  throw unavailable(cmd, result) ?? new CommandFailed(cmd, args, result, opts?.input);
}

/** Runs; a missing tool or missing privileges throw, any other result is returned as it is. */
export async function runChecked(runner: Runner, cmd: string, args: string[], opts?: RunOptions): Promise<RunResult> {
  const result = await runner.run(cmd, args, opts);
  const u = unavailable(cmd, result);
  if (u) throw u;
  return result;
}

/** iptables-restore, ipset and nft name the line they refused; show it, not just its number. */
export function withFailedLine(e: unknown): never {
  if (e instanceof CommandFailed && e.input) {
    const n = /line:? (\d+)/i.exec(e.result.stderr)?.[1];
    const line = n ? e.input.split("\n")[Number(n) - 1] : undefined;
    if (line !== undefined) e.message += `\n  refused input line ${n}: ${line}`;
  }
  throw e;
}
