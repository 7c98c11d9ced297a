// ADD: address, veth, Workload, then wait until this node's agent enforces it (or, with waitFor "all",
// every alive node's); only then the result, so the container's first packet is judged. Anything that
// fails undoes what was done, newest first.
import type { Runner } from "../dataplane/index.js";
import { CniError, CNI_CODES } from "./errors.js";
import { lease, unlease, type Attachment } from "./ipam.js";
import type { CniResult } from "./result.js";
import { moat, waitEnforced, waitEnforcedOnAll } from "./server.js";
import { containerMac, createVeth, deleteVeth, ensureBridge, GATEWAY, HOST_MAC, hostVethName } from "./veth.js";
import { asManifest, storedFor, workloadId, workloadManifest } from "./workload.js";

export const DEFAULT_TIMEOUT_MS = 10_000;

/** Milliseconds each phase of one ADD took (for the bench: MOAT_CNI_TIMINGS=1 prints them on stderr). */
export type AddTimings = Partial<Record<"network" | "lease" | "veth" | "register" | "enforce", number>>;

export async function add(a: Attachment, runner: Runner, timings: AddTimings = {}): Promise<CniResult> {
  const { env, config, client, node } = a;
  const undo: (() => Promise<unknown>)[] = [];
  let last = performance.now();
  const lap = (phase: keyof AddTimings) => {
    const now = performance.now();
    timings[phase] = Math.round((now - last) * 10) / 10;
    last = now;
  };
  try {
    const id = workloadId(env);
    // A Workload of the container's name, declared ahead or from an earlier ADD, is built on (workload.ts).
    const [network, stored] = await Promise.all([moat.network(client, a.network), moat.findWorkload(client, id.name, id.namespace)]);
    const bridge = network.spec.bridge;
    const kind = storedFor(stored, node, env.containerId);
    const base = kind && stored ? asManifest(stored) : undefined;
    lap("network");
    const leased = await lease(a, kind === "declared" ? id : undefined);
    lap("lease");
    undo.push(() => unlease(a));
    const host = hostVethName(env.containerId, env.ifname);
    const mac = typeof config.runtimeConfig?.mac === "string" ? config.runtimeConfig.mac : containerMac(env.containerId, env.ifname);
    const hostMac = bridge ? containerMac(env.containerId, `host/${env.ifname}`) : HOST_MAC;
    const v4 = leased.addresses.filter((x) => !x.includes(":"));
    if (!v4.length) throw new CniError(CNI_CODES.ipamFailure, `ipam gave no IPv4 address (${leased.addresses.join(", ")}); moat-cni attaches IPv4 for now`);
    // Routed: the address alone (/32); bridged: with its subnet's prefix, through the configured gateway.
    const addresses = bridge ? v4 : v4.map((x) => `${x.split("/")[0]}/32`);
    const gateway = bridge ? (config.gateway ?? leased.gateway) : GATEWAY;
    if (bridge) await ensureBridge(runner, bridge);
    undo.push(() => deleteVeth(runner, host));
    await createVeth(runner, { host, hostMac, ifname: env.ifname, mac, netns: env.netns, addresses, ...(config.mtu ? { mtu: config.mtu } : {}), ...(bridge ? { bridge } : {}), ...(gateway ? { gateway } : {}) });
    lap("veth");
    const put = await moat.putWorkload(client, node, workloadManifest(id, env, config, node, addresses.map((x) => x.split("/")[0]!), host, base, kind));
    // Undone, a Workload declared ahead is put back as it was declared.
    undo.push(() => (kind === "declared" ? moat.putWorkload(client, node, base!) : moat.deleteWorkload(client, node, id.name, id.namespace)));
    lap("register");
    const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (config.waitFor === "all") await waitEnforcedOnAll(client, node, put.revision, timeoutMs);
    else await waitEnforced(client, node, put.revision, timeoutMs);
    lap("enforce");
    return {
      interfaces: [{ name: host, mac: hostMac }, { name: env.ifname, mac, sandbox: env.netns }],
      ips: addresses.map((address) => ({ address, ...(gateway ? { gateway } : {}), interface: 1 })),
      routes: gateway ? [{ dst: "0.0.0.0/0", gw: gateway }] : [],
    };
  } catch (e) {
    for (const step of undo.reverse()) await step().catch(() => {});
    throw e;
  }
}
