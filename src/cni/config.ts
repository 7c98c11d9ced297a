// The network config a runtime hands moat-cni on stdin, read with zod; a field that does not fit is a
// CNI error (code 4) naming the field and the value it had. Fields other plugins or runtimes add are
// kept and ignored. (zod loads only for commands that read a config: VERSION answers without it.)
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
  /**
   * Whose enforcement ADD waits for: "node" (default), this node's agent, so the container's own
   * packets are judged; "all", every node whose agent is alive, so that other nodes also route to the
   * container and judge its packets as their policies say when ADD returns (slower: the slowest node).
   */
  waitFor: z.enum(["node", "all"]).optional(),
  /**
   * The network namespace (an `ip netns` name) that is the host, when the plugin runs outside it: the
   * host ends, routes and bridge ports are made there. For labs whose hosts are namespaces (`moat lab
   * up`), as the agent's --netns; a runtime on a real host leaves it out.
   */
  hostNetns: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "an ip netns name: 1-64 characters of [A-Za-z0-9_.-]").optional(),
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
