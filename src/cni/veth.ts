// The veth pair of one attachment, through `ip` (two processes per ADD: one batch on the host side, one
// inside the container's namespace through nsenter). Routed mode is Calico's: the container holds its
// address as a /32 with a default route via 169.254.1.1, a permanent neighbour entry for that gateway
// with the host end's MAC (and proxy ARP on the host end), and the host routes the /32 to its end.
// Bridge mode enslaves the host end to the Network's bridge and gives the subnet's prefix instead.
import { createHash } from "node:crypto";
import { CommandFailed } from "../errors/index.js";
import { runOk, type Runner } from "../runner/index.js";

export const GATEWAY = "169.254.1.1";
/** Every routed host end has this MAC, as Calico's: the container's neighbour entry never goes stale. */
export const HOST_MAC = "ee:ee:ee:ee:ee:ee";

const digest = (text: string) => createHash("sha256").update(text).digest("hex");

/** The host end's name: the same for the same container and interface, 14 characters (Linux allows 15). */
export const hostVethName = (containerId: string, ifname: string) => `mc${digest(`${containerId}/${ifname}`).slice(0, 12)}`;

/** A locally administered unicast MAC for the container's end, stable per attachment. */
export const containerMac = (containerId: string, ifname: string) => {
  const h = digest(`mac/${containerId}/${ifname}`);
  return ["02", h.slice(0, 2), h.slice(2, 4), h.slice(4, 6), h.slice(6, 8), h.slice(8, 10)].join(":");
};

export interface VethSpec {
  host: string;
  hostMac: string;
  ifname: string;
  mac: string;
  netns: string;
  /** Address with its prefix length as the container holds it (routed: /32). */
  addresses: string[];
  mtu?: number;
  bridge?: string;
  /** The container's default gateway: GATEWAY when routed, the bridge's address (if any) when bridged. */
  gateway?: string;
}

const inContainer = (runner: Runner, netns: string, batch: string[]) => runOk(runner, "nsenter", [`--net=${netns}`, "ip", "-batch", "-"], { input: batch.join("\n") + "\n" });

export async function createVeth(runner: Runner, v: VethSpec): Promise<void> {
  const mtu = v.mtu ? ` mtu ${v.mtu}` : "";
  const add = await runner.run("ip", ["link", "add", v.host, "address", v.hostMac, ...(v.mtu ? ["mtu", String(v.mtu)] : []), "type", "veth", "peer", "name", v.ifname, "address", v.mac, "netns", v.netns]);
  // Already there: ADD again for the same attachment; what follows only replaces.
  if (add.code !== 0 && !/File exists/.test(add.stderr)) throw new CommandFailed("ip", ["link", "add", v.host, "...", "netns", v.netns], add);
  const hostBatch = [`link set ${v.host} up${mtu}`];
  if (v.bridge) hostBatch.push(`link set ${v.host} master ${v.bridge}`);
  else for (const a of v.addresses) hostBatch.push(`${a.includes(":") ? "-6 " : ""}route replace ${a.split("/")[0]}/${a.includes(":") ? 128 : 32} dev ${v.host} scope link`);
  await runOk(runner, "ip", ["-batch", "-"], { input: hostBatch.join("\n") + "\n" });
  // Through the runner, so that it lands in the host's namespace when that is not the plugin's own.
  if (!v.bridge) await runOk(runner, "sysctl", ["-qw", `net.ipv4.conf.${v.host}.proxy_arp=1`]);
  const c = [`link set ${v.ifname} up`, ...v.addresses.map((a) => `addr replace ${a} dev ${v.ifname}`)];
  if (!v.bridge) c.push(`route replace ${GATEWAY} dev ${v.ifname} scope link`, `neigh replace ${GATEWAY} lladdr ${v.hostMac} dev ${v.ifname} nud permanent`);
  if (v.gateway) c.push(`route replace default via ${v.gateway} dev ${v.ifname}`);
  await inContainer(runner, v.netns, c);
}

/** Removes the pair (both ends go with either); a pair already gone is fine. */
export async function deleteVeth(runner: Runner, host: string): Promise<void> {
  const r = await runner.run("ip", ["link", "del", host]);
  if (r.code !== 0 && !/Cannot find device|does not exist/.test(r.stderr)) throw new CommandFailed("ip", ["link", "del", host], r);
}

export async function ensureBridge(runner: Runner, bridge: string): Promise<void> {
  const r = await runner.run("ip", ["link", "add", bridge, "type", "bridge"]);
  if (r.code !== 0 && !/File exists/.test(r.stderr)) throw new CommandFailed("ip", ["link", "add", bridge, "type", "bridge"], r);
  await runOk(runner, "ip", ["link", "set", bridge, "up"]);
}

export interface LinkState {
  exists: boolean;
  mac?: string;
  addresses: string[];
}

/** What a link holds: on the host, or inside `netns`. */
export async function readLink(runner: Runner, name: string, netns?: string): Promise<LinkState> {
  const args = ["-j", "addr", "show", "dev", name];
  const r = netns ? await runner.run("nsenter", [`--net=${netns}`, "ip", ...args]) : await runner.run("ip", args);
  if (r.code !== 0) return { exists: false, addresses: [] };
  const [link] = JSON.parse(r.stdout || "[]") as { address?: string; addr_info?: { local: string; prefixlen: number }[] }[];
  if (!link) return { exists: false, addresses: [] };
  return { exists: true, ...(link.address ? { mac: link.address } : {}), addresses: (link.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`) };
}
