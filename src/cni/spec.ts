// What a runtime hands moat-cni: the network config on stdin and the CNI_* environment. Both are read with
// zod; anything that does not fit is a CNI error naming the field and the value it had (code 4 for the
// config, 7 for the environment). Fields other plugins or runtimes add are kept and ignored.
import { z } from "zod";
import { CniError, CNI_CODES } from "./errors.js";

const labelList = z.array(z.strictObject({ key: z.string(), value: z.string() }));
const labels = z.union([z.record(z.string(), z.string()), labelList]);

export const configSchema = z.looseObject({
  cniVersion: z.string().min(1),
  name: z.string().min(1),
  type: z.string().min(1),
  /** The moat Network; by default the CNI network's name (as `moat import cni` names it). */
  network: z.string().min(1).optional(),
  server: z.string().min(1),
  tokenFile: z.string().min(1).optional(),
  caFile: z.string().min(1).optional(),
  /** This host's node name, as its agent's --node; by default the hostname. */
  node: z.string().min(1).optional(),
  /** How long ADD waits for the node's agent to enforce the new workload (default 10 s). */
  timeoutMs: z.number().int().min(1).max(600_000).optional(),
  /** The gateway containers of a bridge-mode network route through (the bridge's own address). */
  gateway: z.string().min(1).optional(),
  mtu: z.number().int().min(68).max(65535).optional(),
  ipam: z.looseObject({ type: z.string().min(1) }).optional(),
  labels: labels.optional(),
  args: z.looseObject({ labels: labels.optional(), cni: z.looseObject({ labels: labels.optional(), ips: z.array(z.string()).optional() }).optional() }).optional(),
  runtimeConfig: z.looseObject({ ips: z.array(z.string()).optional(), labels: labels.optional() }).optional(),
  prevResult: z.unknown().optional(),
});

export type NetConfig = z.infer<typeof configSchema>;

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

/** The value at a zod issue's path, for the message. */
const at = (value: unknown, path: PropertyKey[]) => path.reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined), value);

export function parseConfig(stdin: string): NetConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(stdin);
  } catch (e) {
    throw new CniError(CNI_CODES.decodeFailure, `the network config on stdin is not JSON: ${(e as Error).message}`);
  }
  const parsed = configSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(config)"} is ${shown(at(raw, i.path))}: ${i.message}`);
  throw new CniError(CNI_CODES.invalidNetworkConfig, `invalid network config: ${issues[0]}`, issues.join("\n"));
}

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

/** Labels from the config, args.labels / args.cni.labels and runtimeConfig.labels, later ones winning. */
export function labelsOf(config: NetConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of [config.labels, config.args?.labels, config.args?.cni?.labels, config.runtimeConfig?.labels]) {
    if (!l) continue;
    if (Array.isArray(l)) for (const { key, value } of l) out[key] = value;
    else Object.assign(out, l);
  }
  return out;
}
