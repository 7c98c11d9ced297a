// The CNI_* environment a runtime runs moat-cni with; anything that does not fit is a CNI error (code 7)
// naming the variable and the value it had.
import { CniError, CNI_CODES } from "./errors.js";

export const COMMANDS = ["ADD", "DEL", "CHECK", "VERSION", "STATUS", "GC"] as const;
export type Command = (typeof COMMANDS)[number];

export interface CniEnv {
  command: Command;
  containerId: string;
  netns: string;
  ifname: string;
  /** CNI_ARGS as pairs, in order. */
  args: Record<string, string>;
  path: string[];
}

const CONTAINER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const IFNAME = /^[^\s/:]{1,15}$/;

const shown = (v: unknown) => (v === undefined ? "missing" : JSON.stringify(v));

/** Only the version, for VERSION (stdin is then just {"cniVersion": ...}). */
export function configVersion(stdin: string): string | undefined {
  try {
    const v = (JSON.parse(stdin) as { cniVersion?: unknown }).cniVersion;
    return typeof v === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}

export function parseEnv(env: NodeJS.ProcessEnv): CniEnv {
  const bad = (name: string, why: string) => new CniError(CNI_CODES.invalidEnvironment, `${name} is ${shown(env[name])}: ${why}`);
  const command = env.CNI_COMMAND as Command;
  if (!COMMANDS.includes(command)) throw bad("CNI_COMMAND", `expected one of ${COMMANDS.join(", ")}`);
  // libcni validates a config by asking VERSION with CNI_NETNS "dummy" and such: VERSION reads nothing else.
  if (command === "VERSION") return { command, containerId: "", netns: "", ifname: "", args: {}, path: [] };
  const needs = (name: string) => ({ ADD: true, CHECK: true, DEL: name !== "CNI_NETNS", VERSION: false, STATUS: false, GC: false })[command];
  for (const name of ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"]) if (needs(name) && !env[name]) throw bad(name, `${command} needs it`);
  const containerId = env.CNI_CONTAINERID ?? "";
  if (containerId && !CONTAINER_ID.test(containerId)) throw bad("CNI_CONTAINERID", "letters, digits, _ . - only, starting with a letter or digit");
  const ifname = env.CNI_IFNAME ?? "";
  if (ifname && (!IFNAME.test(ifname) || ifname === "." || ifname === "..")) throw bad("CNI_IFNAME", "an interface name is 1-15 characters without spaces, / or :");
  const netns = env.CNI_NETNS ?? "";
  if (netns && !netns.startsWith("/")) throw bad("CNI_NETNS", "a path to a network namespace, such as /run/netns/NAME");
  const args: Record<string, string> = {};
  for (const pair of (env.CNI_ARGS ?? "").split(";").filter(Boolean)) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw bad("CNI_ARGS", `${JSON.stringify(pair)} is not KEY=VALUE`);
    args[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return { command, containerId, netns, ifname, args, path: (env.CNI_PATH ?? "").split(":").filter(Boolean) };
}

