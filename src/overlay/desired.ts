// What one node's overlay should be: the VXLAN device, one FDB and neighbour entry per peer node, and a
// host route per address of every workload on a peer node. Pure: the model and the nodes' underlay
// addresses in, the desired state out; the executor (src/dataplane/overlay.ts) makes the kernel match it.
//
// Each node's VTEP MAC and its peers' gateway addresses are derived from its underlay address, so no node
// needs anything from another beyond that address: a route says "via <peer underlay> dev moat.vx onlink"
// (IPv6: via a link-local address made from the peer's MAC), the permanent neighbour entry turns that
// gateway into the peer's MAC, and the FDB entry sends that MAC to the peer's underlay address.
import { OVERLAY_DEVICE } from "../compile/index.js";
import type { Model } from "../model/index.js";
import { NO_NODE, parseIp } from "../model/index.js";

export { OVERLAY_DEVICE };
/** Fixed for every moat overlay: one network of nodes per underlay. */
export const OVERLAY_VNI = 4242;
export const OVERLAY_PORT = 4789;
/** VXLAN adds 50 bytes (outer IPv4, UDP, VXLAN header, inner Ethernet). */
export const OVERLAY_HEADROOM = 50;

export interface OverlayDevice {
  name: string;
  vni: number;
  port: number;
  /** This node's underlay IPv4 address, the source of its VXLAN packets. */
  local: string;
  mac: string;
  gbp: true;
}

export interface FdbEntry {
  mac: string;
  dst: string;
}

export interface NeighborEntry {
  ip: string;
  mac: string;
}

export interface OverlayRoute {
  family: 4 | 6;
  /** A host prefix: a workload address on a peer node. */
  dst: string;
  via: string;
}

export interface DesiredOverlay {
  device: OverlayDevice;
  fdb: FdbEntry[];
  neighbors: NeighborEntry[];
  routes: OverlayRoute[];
  /** Nodes with workloads whose underlay address is not known (yet): their workloads get no route. */
  unknownPeers: string[];
}

const octets = (ipv4: string) => {
  const p = parseIp(ipv4);
  if (!p.ok || p.value.family !== 4) throw new Error(`underlay address ${JSON.stringify(ipv4)} is not an IPv4 address`);
  return ipv4.split(".").map(Number);
};
const hex2 = (n: number) => n.toString(16).padStart(2, "0");

/** Locally administered, unicast (0x0e: bit 1 set, bit 0 clear), then the four underlay octets. */
export function vtepMac(underlay: string): string {
  return ["0e", "6d", ...octets(underlay).map(hex2)].join(":");
}

/** The IPv6 gateway for a peer: link-local, unique per underlay address, in the form `ip` prints. */
export function vtepGateway6(underlay: string): string {
  const [a, b, c, d] = octets(underlay);
  return `fe80::6d:${((a! << 8) | b!).toString(16)}:${((c! << 8) | d!).toString(16)}`;
}

const byText = <T>(key: (t: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

/**
 * The overlay `node` needs: underlays maps node names to their underlay IPv4 addresses (this node's
 * included). Workloads on no node, and on this node, get no route.
 */
export function desiredOverlay(model: Model, node: string, underlays: ReadonlyMap<string, string>): DesiredOverlay {
  const local = underlays.get(node);
  if (!local) throw new Error(`the underlay address of node ${node} (this node) is not known`);
  const device: OverlayDevice = { name: OVERLAY_DEVICE, vni: OVERLAY_VNI, port: OVERLAY_PORT, local, mac: vtepMac(local), gbp: true };
  const peers = [...new Set(model.workloads.map((w) => w.node))].filter((n) => n !== node && n !== NO_NODE).sort();
  const fdb: FdbEntry[] = [];
  const neighbors: NeighborEntry[] = [];
  const routes: OverlayRoute[] = [];
  const unknownPeers: string[] = [];
  for (const peer of peers) {
    const underlay = underlays.get(peer);
    if (!underlay) {
      unknownPeers.push(peer);
      continue;
    }
    const mac = vtepMac(underlay);
    fdb.push({ mac, dst: underlay });
    neighbors.push({ ip: underlay, mac }, { ip: vtepGateway6(underlay), mac });
    for (const w of model.workloads.filter((w) => w.node === peer)) {
      for (const ip of w.ips) {
        routes.push(ip.family === 4 ? { family: 4, dst: `${ip.text}/32`, via: underlay } : { family: 6, dst: `${ip.text}/128`, via: vtepGateway6(underlay) });
      }
    }
  }
  return {
    device,
    fdb: fdb.sort(byText((f) => f.mac)),
    neighbors: neighbors.sort(byText((n) => n.ip)),
    routes: routes.sort(byText((r) => r.dst)),
    unknownPeers,
  };
}
