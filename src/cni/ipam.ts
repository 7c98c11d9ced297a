// Addresses for ADD: moat's IPAM ("type": "moat", the server allocates in a store transaction) or any
// standard IPAM plugin (host-local, static, ...) run through the ordinary exec protocol: the same
// CNI_* environment, the config on stdin, the plugin found in CNI_PATH.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "../client/index.js";
import { processRunner } from "../runner/index.js";
import { CniError, CNI_CODES } from "./errors.js";
import { moat } from "./server.js";
import type { NetConfig } from "./config.js";
import type { CniEnv } from "./env.js";

export interface Leased {
  /** Each address with the prefix length IPAM gave it. */
  addresses: string[];
  gateway?: string;
}

export const isMoatIpam = (config: NetConfig) => !config.ipam || config.ipam.type === "moat";

/** The fixed address asked for: CNI_ARGS IP= (rkt, podman's --network NET:ip=), then runtimeConfig.ips, then args.cni.ips. */
export function fixedAddress(config: NetConfig, env: CniEnv): string | undefined {
  const ip = env.args.IP ?? config.runtimeConfig?.ips?.[0] ?? config.args?.cni?.ips?.[0];
  return ip?.split("/")[0];
}

export interface Attachment {
  client: Client;
  network: string;
  node: string;
  env: CniEnv;
  config: NetConfig;
}

/** `adopting`: the Workload declared ahead that ADD adopts, whose own addresses the server may hand out to it. */
export async function lease(a: Attachment, adopting?: { name: string; namespace?: string }): Promise<Leased> {
  if (isMoatIpam(a.config)) {
    const ip = fixedAddress(a.config, a.env);
    const r = await moat.allocate(a.client, { network: a.network, node: a.node, container: a.env.containerId, ifname: a.env.ifname, ...(ip ? { ip } : {}), ...(adopting ? { workload: adopting } : {}) });
    return { addresses: [`${r.ip}/${r.subnet?.split("/")[1] ?? (r.ip.includes(":") ? 128 : 32)}`] };
  }
  const result = (await delegate(a.config, a.env, "ADD")) as { ips?: { address: string; gateway?: string }[] };
  const ips = result.ips ?? [];
  if (!ips.length) throw new CniError(CNI_CODES.ipamFailure, `ipam plugin ${a.config.ipam!.type} gave no address`);
  return { addresses: ips.map((i) => i.address), ...(ips[0]!.gateway ? { gateway: ips[0]!.gateway } : {}) };
}

export async function unlease(a: Attachment): Promise<void> {
  if (isMoatIpam(a.config)) await moat.release(a.client, { network: a.network, node: a.node, container: a.env.containerId, ifname: a.env.ifname });
  else await delegate(a.config, a.env, "DEL");
}

/** Runs the IPAM plugin as a runtime runs a plugin; its error JSON becomes ours. */
export async function delegate(config: NetConfig, env: CniEnv, command: "ADD" | "DEL" | "CHECK"): Promise<unknown> {
  const type = config.ipam!.type;
  if (!/^[A-Za-z0-9_.-]+$/.test(type)) throw new CniError(CNI_CODES.invalidNetworkConfig, `ipam.type is ${JSON.stringify(type)}: not a plugin name`);
  const file = env.path.map((d) => join(d, type)).find((f) => existsSync(f));
  if (!file) throw new CniError(CNI_CODES.invalidEnvironment, `CNI_PATH is ${JSON.stringify(env.path.join(":"))}: no ipam plugin ${JSON.stringify(type)} in it`);
  const { stdout, code, stderr } = await processRunner().run(file, [], { input: JSON.stringify(config), env: { CNI_COMMAND: command } });
  let parsed: Record<string, unknown> = {};
  try {
    parsed = stdout.trim() ? (JSON.parse(stdout) as Record<string, unknown>) : {};
  } catch {
    // not JSON: reported below with its output
  }
  if (code !== 0) {
    throw new CniError(typeof parsed.code === "number" ? parsed.code : CNI_CODES.ipamFailure, `ipam plugin ${type} ${command} failed: ${typeof parsed.msg === "string" ? parsed.msg : stderr.trim() || stdout.trim()}`, typeof parsed.details === "string" ? parsed.details : "");
  }
  return parsed;
}
