// A LabPlan as the `ip -batch` input and sysctl settings of each namespace. Pure: names and addresses
// come from the plan, which allows only [A-Za-z0-9_.-] in names and canonical addresses, so lines split safely.
import { ROUTED_GATEWAY, ROUTED_HOST_MAC } from "./addresses.js";
import { FABRIC_BRIDGE, FABRIC_INTERFACE, WORKLOAD_INTERFACE, type LabPlan, type PlannedNode, type PlannedWorkload } from "./plan.js";

const addr = (a: { ip: string; family: 4 | 6; prefix: number }, dev: string) =>
  `addr add ${a.ip}/${a.prefix} dev ${dev}${a.family === 6 ? " nodad" : ""}`;
const DEFAULT_ROUTE = { 4: "0.0.0.0/0", 6: "::/0" } as const;

/** Settings every namespace needs before its interfaces exist, so new interfaces inherit them. */
const COMMON_SYSCTLS = [
  // DAD would hold IPv6 addresses "tentative" for a second after creation: binds and probes would fail.
  "net.ipv6.conf.all.accept_dad=0",
  "net.ipv6.conf.default.accept_dad=0",
  // IPv4 settings of a new namespace are copied from the host's, whose rp_filter may drop lab traffic.
  "net.ipv4.conf.all.rp_filter=0",
  "net.ipv4.conf.default.rp_filter=0",
];

export function namespacesOf(plan: LabPlan): string[] {
  return [plan.fabricNetns, ...plan.nodes.map((n) => n.netns), ...plan.workloads.map((w) => w.netns)];
}

export function createNamespacesBatch(plan: LabPlan): string {
  return lines(namespacesOf(plan).map((ns) => `netns add ${ns}`));
}

export function deleteNamespacesBatch(names: readonly string[]): string {
  return lines(names.map((ns) => `netns del ${ns}`));
}

export function workloadSysctls(): string[] {
  return [...COMMON_SYSCTLS];
}

export function fabricSysctls(): string[] {
  return [...COMMON_SYSCTLS];
}

export function nodeSysctls(node: PlannedNode): string[] {
  const out = [...COMMON_SYSCTLS, "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"];
  // Bridged frames only meet iptables FORWARD (physdev) with these on; they are per namespace.
  if (node.bridges.length) out.push("net.bridge.bridge-nf-call-iptables=1", "net.bridge.bridge-nf-call-ip6tables=1");
  return out;
}

/** Per bridge, once it exists: answer ARP/NDP for same-subnet workloads on other nodes, without delay. */
export function bridgeSysctls(node: PlannedNode): string[] {
  return node.bridges.flatMap((b) => [
    `net/ipv4/conf/${b.name}/proxy_arp=1`,
    `net/ipv4/neigh/${b.name}/proxy_delay=0`,
    `net/ipv6/conf/${b.name}/proxy_ndp=1`,
    `net/ipv6/neigh/${b.name}/proxy_delay=0`,
  ]);
}

export function fabricBatch(): string {
  return lines(["link set lo up", `link add name ${FABRIC_BRIDGE} type bridge mcast_snooping 0`, `link set ${FABRIC_BRIDGE} up`]);
}

/** After the nodes have created their fabric veths: enslave the fabric ends. */
export function fabricPortsBatch(plan: LabPlan): string {
  return lines(plan.nodes.flatMap((n) => [`link set ${n.fabricPort} master ${FABRIC_BRIDGE}`, `link set ${n.fabricPort} up`]));
}

/**
 * A node's own interfaces and routes; with `workloads: false` without its workloads' host ends (see
 * hostEndBatch), with `remoteRoutes: false` without routes to other nodes' workloads (an overlay keeps them).
 */
export function nodeBatch(plan: LabPlan, node: PlannedNode, opts: { workloads?: boolean; remoteRoutes?: boolean } = {}): string {
  const out = [
    "link set lo up",
    `link add ${FABRIC_INTERFACE} type veth peer name ${node.fabricPort} netns ${plan.fabricNetns}`,
    `link set ${FABRIC_INTERFACE} up`,
    addr(node.fabric[4], FABRIC_INTERFACE),
    addr(node.fabric[6], FABRIC_INTERFACE),
  ];
  for (const b of node.bridges) {
    // A fixed MAC: a bridge otherwise takes its lowest port's, and changes it as ports come and go.
    out.push(`link add name ${b.name} address ${b.mac} type bridge mcast_snooping 0`, `link set ${b.name} up`);
    for (const a of b.addresses) out.push(addr(a, b.name));
  }
  if (opts.workloads !== false) for (const w of plan.workloads.filter((w) => w.node === node.name)) out.push(...hostEnd(w));
  if (opts.remoteRoutes !== false) for (const r of node.remoteRoutes) out.push(`route add ${r.dst} via ${r.via} dev ${FABRIC_INTERFACE}`);
  for (const b of node.bridges) for (const ip of b.proxyNdp) out.push(`neigh add proxy ${ip} dev ${b.name}`);
  return lines(out);
}

/** One workload's veth, created from its node's namespace: what attaching it to the node means. */
export function hostEndBatch(w: PlannedWorkload): string {
  return lines(hostEnd(w));
}

function hostEnd(w: PlannedWorkload): string[] {
  const dev = w.hostInterface;
  if (w.mode === "bridged") {
    return [`link add ${dev} type veth peer name ${WORKLOAD_INTERFACE} netns ${w.netns}`, `link set ${dev} master ${w.bridge}`, `link set ${dev} up`];
  }
  return [
    `link add ${dev} address ${ROUTED_HOST_MAC} type veth peer name ${WORKLOAD_INTERFACE} netns ${w.netns}`,
    `link set ${dev} up`,
    addr({ ip: ROUTED_GATEWAY[6], family: 6, prefix: 64 }, dev),
    ...w.addresses.map((a) => `route add ${a.ip}/${a.prefix} dev ${dev}`),
  ];
}

export function workloadBatch(w: PlannedWorkload): string {
  const dev = WORKLOAD_INTERFACE;
  const out = ["link set lo up", `link set ${dev} up`, ...w.addresses.map((a) => addr(a, dev))];
  for (const family of [4, 6] as const) {
    const gw = w.gateways[family];
    if (!gw) continue;
    if (w.mode === "routed") {
      out.push(`neigh replace ${gw} lladdr ${ROUTED_HOST_MAC} dev ${dev} nud permanent`);
      if (family === 4) out.push(`route add ${gw}/32 dev ${dev} scope link`);
    }
    out.push(`route add ${DEFAULT_ROUTE[family]} via ${gw} dev ${dev}`);
  }
  return lines(out);
}

function lines(list: string[]): string {
  return list.map((l) => `${l}\n`).join("");
}
