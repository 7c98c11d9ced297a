// The lab's topology, decided before anything is created: namespace names, interfaces, addresses,
// routes. Pure, so every naming and addressing rule is unit-tested without root; lab.ts only executes it.
import { cidrContains, cidrsOverlap, show, type Cidr, type Family, type Ip, type Issue, type Result } from "../model/index.js";
import { fabricAddress, gatewayFor, hostPrefix, MAX_NODES, RESERVED, ROUTED_GATEWAY, subnetOf } from "./addresses.js";
import { MAX_INTERFACE_NAME, type LabNetwork, type LabSpec } from "./spec.js";

export interface LabAddress {
  ip: string;
  family: Family;
  prefix: number;
}

export interface PlannedWorkload {
  id: string;
  node: string;
  netns: string;
  /** The host end of its veth, in the node's namespace: the workload's `interface`. */
  hostInterface: string;
  mode: "routed" | "bridged";
  bridge?: string;
  ips: Ip[];
  /** As configured on eth0: /32 and /128 when routed, the subnet's prefix when bridged. */
  addresses: LabAddress[];
  gateways: Partial<Record<Family, string>>;
}

export interface PlannedBridge {
  name: string;
  mac: string;
  addresses: LabAddress[];
  /** IPv6 addresses of its subnets that live elsewhere, answered by proxy NDP (IPv4 uses proxy_arp). */
  proxyNdp: string[];
}

export interface PlannedRoute {
  dst: string;
  via: string;
}

export interface PlannedNode {
  name: string;
  netns: string;
  /** The node's end of its veth into the fabric is `fab0`; this is the other end, in the fabric namespace. */
  fabricPort: string;
  fabric: Record<Family, LabAddress>;
  bridges: PlannedBridge[];
  workloads: string[];
  remoteRoutes: PlannedRoute[];
}

export interface LabPlan {
  prefix: string;
  fabricNetns: string;
  nodes: PlannedNode[];
  workloads: PlannedWorkload[];
}

export const FABRIC_INTERFACE = "fab0";
export const FABRIC_BRIDGE = "fab";
export const WORKLOAD_INTERFACE = "eth0";
type Report = (path: Issue["path"], code: string, message: string, resource?: string) => void;

interface Gateway {
  subnet: Cidr;
  address: LabAddress;
}

const PREFIX = /^[a-z0-9][a-z0-9-]{0,11}$/;
const INTERFACE = /^[A-Za-z0-9_.-]+$/;

export function planLab(spec: LabSpec, prefix: string): Result<LabPlan> {
  const issues: Issue[] = [];
  const report: Report = (path, code, message, resource) => issues.push(resource ? { code, path, message, resource } : { code, path, message });
  if (!PREFIX.test(prefix)) {
    report(["prefix"], "invalid-prefix", `${show(prefix)} is not a lab prefix: 1-12 characters of [a-z0-9-], starting with a letter or digit`);
  }

  const networks = new Map(spec.networks.map((n) => [n.name, n]));
  for (const [i, name] of (spec.bridged ?? []).entries()) {
    if (!networks.has(name)) report(["bridged", i], "unknown-network", `${show(name)} is not a network of the lab`);
  }
  const bridgeOf = bridgeNames(spec, report);
  const nodeNames = [...new Set(spec.workloads.map((w) => w.node))];
  if (nodeNames.length > MAX_NODES) report(["workloads"], "too-many-nodes", `the lab holds at most ${MAX_NODES} nodes, the spec has ${nodeNames.length}`);
  const used = new Set(spec.workloads.flatMap((w) => w.ips.map((ip) => ip.text)));

  const gateways = new Map<string, Gateway[]>();
  for (const [name, bridge] of bridgeOf) {
    const list: Gateway[] = [];
    for (const subnet of networks.get(name)!.subnets) {
      const resource = `Network/${name}`;
      if (RESERVED.some((r) => cidrsOverlap(r, subnet))) {
        report(["networks", name, "subnets"], "reserved-subnet", `bridged subnet ${subnet.text} overlaps the lab's own ranges (${RESERVED.map((r) => r.text).join(", ")})`, resource);
      }
      const ip = gatewayFor(subnet, used);
      if (ip) list.push({ subnet, address: { ip, family: subnet.family, prefix: subnet.prefix } });
      else report(["networks", name, "subnets"], "no-gateway", `bridged subnet ${subnet.text} has no free address left for bridge ${show(bridge)}`, resource);
    }
    gateways.set(name, list);
  }

  const reserved = new Map<string, Set<string>>(nodeNames.map((n) => [n, new Set(["lo", FABRIC_INTERFACE])]));
  for (const w of spec.workloads) if (bridgeOf.has(w.network)) reserved.get(w.node)!.add(bridgeOf.get(w.network)!);
  const interfaces = new Map<string, string>();

  const workloads: PlannedWorkload[] = spec.workloads.map((w, index) => {
    const resource = `Workload/${w.id}`;
    const path = ["workloads", index];
    const network = networks.get(w.network);
    if (!network) report([...path, "network"], "unknown-network", `${show(w.network)} is not a network of the lab`, resource);
    const hostInterface = w.interface ?? "";
    if (!w.interface) {
      report([...path, "interface"], "missing-interface", `workload ${show(w.id)} has no interface; the lab names each host end after it: pass the model through withLabInterfaces(model) first`, resource);
    } else if (w.interface.length > MAX_INTERFACE_NAME || !INTERFACE.test(w.interface)) {
      report([...path, "interface"], "invalid-interface", `${show(w.interface)} is not a Linux interface name (1-${MAX_INTERFACE_NAME} characters of [A-Za-z0-9_.-])`, resource);
    } else if (reserved.get(w.node)!.has(w.interface)) {
      report([...path, "interface"], "reserved-interface", `${show(w.interface)} is a name the lab uses itself on node ${show(w.node)}`, resource);
    } else {
      const owner = interfaces.get(`${w.node}\n${w.interface}`);
      if (owner) report([...path, "interface"], "duplicate-interface", `${show(w.interface)} is already the interface of workload ${show(owner)} on node ${show(w.node)}`, resource);
      interfaces.set(`${w.node}\n${w.interface}`, w.id);
    }
    for (const [i, ip] of w.ips.entries()) {
      const r = RESERVED.find((c) => cidrContains(c, ip));
      if (r) report([...path, "ips", i], "reserved-address", `${ip.text} is inside ${r.text}, which the lab keeps for itself`, resource);
    }
    const bridge = bridgeOf.get(w.network);
    const base = { id: w.id, node: w.node, netns: `${prefix}w${index}`, hostInterface, ips: [...w.ips] };
    if (!bridge || !network) {
      return {
        ...base,
        mode: "routed",
        addresses: w.ips.map((ip) => ({ ip: ip.text, family: ip.family, prefix: hostPrefix(ip.family) })),
        gateways: familyMap(w.ips, (f) => ROUTED_GATEWAY[f]),
      };
    }
    const addresses: LabAddress[] = [];
    for (const [i, ip] of w.ips.entries()) {
      const subnet = subnetOf(network.subnets, ip);
      if (subnet) addresses.push({ ip: ip.text, family: ip.family, prefix: subnet.prefix });
      else report([...path, "ips", i], "outside-subnets", `${ip.text} is in no subnet of bridged network ${show(w.network)}, so it cannot share its bridge's L2 subnet`, resource);
    }
    const gw = gateways.get(w.network) ?? [];
    const gatewayOf = (f: Family) => gw.find((g) => w.ips.some((ip) => ip.family === f && cidrContains(g.subnet, ip)))?.address.ip;
    return { ...base, mode: "bridged", bridge, addresses, gateways: familyMap(w.ips, gatewayOf) };
  });

  const nodes = nodeNames.map((name, i): PlannedNode => {
    const fabric = { 4: { ...fabricAddress(i, 4), family: 4 as const }, 6: { ...fabricAddress(i, 6), family: 6 as const } };
    return { name, netns: `${prefix}n${i}`, fabricPort: `n${i}`, fabric, bridges: [], workloads: [], remoteRoutes: [] };
  });
  const byName = new Map(nodes.map((n) => [n.name, n]));
  for (const w of workloads) byName.get(w.node)!.workloads.push(w.id);
  for (const node of nodes) {
    node.bridges = bridgesOn(node, spec, bridgeOf, gateways, workloads);
    for (const w of workloads) {
      if (w.node === node.name) continue;
      const remote = byName.get(w.node)!;
      for (const ip of w.ips) node.remoteRoutes.push({ dst: `${ip.text}/${hostPrefix(ip.family)}`, via: remote.fabric[ip.family].ip });
    }
  }
  if (issues.length) return { ok: false, issues };
  return { ok: true, value: { prefix, fabricNetns: `${prefix}fab`, nodes, workloads } };
}

/** Network name -> bridge name, for the networks attached in bridge mode. */
function bridgeNames(spec: LabSpec, report: Report): Map<string, string> {
  const bridged = new Set(spec.bridged ?? []);
  const explicit = new Set(spec.networks.flatMap((n) => (n.bridge ? [n.bridge] : [])));
  const out = new Map<string, string>();
  let k = 0;
  for (const n of spec.networks) {
    if (n.bridge) {
      if (n.bridge.length > MAX_INTERFACE_NAME || !INTERFACE.test(n.bridge) || n.bridge === FABRIC_INTERFACE || n.bridge === "lo") {
        report(["networks", n.name, "bridge"], "invalid-bridge", `${show(n.bridge)} cannot be a bridge name in the lab (1-${MAX_INTERFACE_NAME} characters of [A-Za-z0-9_.-], not lo or ${FABRIC_INTERFACE})`, `Network/${n.name}`);
      }
      out.set(n.name, n.bridge);
    } else if (bridged.has(n.name)) {
      while (explicit.has(`mbr${k}`)) k++;
      out.set(n.name, `mbr${k++}`);
    }
  }
  return out;
}

function bridgesOn(
  node: PlannedNode,
  spec: LabSpec,
  bridgeOf: Map<string, string>,
  gateways: Map<string, Gateway[]>,
  workloads: PlannedWorkload[],
): PlannedBridge[] {
  const attached = new Map<string, LabNetwork[]>();
  for (const n of spec.networks) {
    const bridge = bridgeOf.get(n.name);
    if (!bridge || !spec.workloads.some((w) => w.node === node.name && w.network === n.name)) continue;
    attached.set(bridge, [...(attached.get(bridge) ?? []), n]);
  }
  return [...attached].map(([name, nets], k) => {
    const subnets = nets.flatMap((n) => n.subnets).filter((c) => c.family === 6);
    const proxyNdp = workloads
      .filter((w) => !(w.node === node.name && w.bridge === name))
      .flatMap((w) => w.ips.filter((ip) => subnets.some((c) => cidrContains(c, ip))).map((ip) => ip.text));
    return { name, mac: bridgeMac(k), addresses: nets.flatMap((n) => (gateways.get(n.name) ?? []).map((g) => g.address)), proxyNdp };
  });
}

function bridgeMac(k: number): string {
  const hex = (k + 1).toString(16).padStart(4, "0");
  return `02:6d:74:00:${hex.slice(0, 2)}:${hex.slice(2)}`;
}

function familyMap(ips: readonly Ip[], pick: (f: Family) => string | undefined): Partial<Record<Family, string>> {
  const out: Partial<Record<Family, string>> = {};
  for (const f of [4, 6] as const) {
    const gw = ips.some((ip) => ip.family === f) ? pick(f) : undefined;
    if (gw) out[f] = gw;
  }
  return out;
}
