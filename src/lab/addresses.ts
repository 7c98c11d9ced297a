// Addresses the lab picks for itself: the fabric between nodes, the routed gateway, bridge gateways. Pure.
import ipaddr from "ipaddr.js";
import { cidrContains, maskOf, parseCidr, parseIp, type Cidr, type Family, type Ip } from "../model/index.js";

/** Every routed workload's default gateway; the host end answers for it through a static neighbour. */
export const ROUTED_GATEWAY: Record<Family, string> = { 4: "169.254.1.1", 6: "fe80::1" };
/** The MAC of every routed host end (as Calico does), so workloads need no ARP for their gateway. */
export const ROUTED_HOST_MAC = "ee:ee:ee:ee:ee:ee";

const FABRIC: Record<Family, Cidr> = { 4: mustCidr("169.254.253.0/24"), 6: mustCidr("fd6d:6f61:7400::/64") };
export const MAX_NODES = 250;

/** Ranges the lab keeps for itself; a workload address or bridged subnet inside one would be ambiguous. */
export const RESERVED: readonly Cidr[] = [FABRIC[4], FABRIC[6], mustCidr(`${ROUTED_GATEWAY[4]}/32`)];

function mustCidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
}

export function ipText(value: bigint, family: Family): string {
  const n = family === 4 ? 4 : 16;
  const bytes: number[] = [];
  for (let i = n - 1; i >= 0; i--) bytes.push(Number((value >> BigInt(i * 8)) & 0xffn));
  return ipaddr.fromByteArray(bytes).toString();
}

export function toIp(text: string): Ip | undefined {
  const parsed = parseIp(text);
  return parsed.ok ? parsed.value : undefined;
}

/** The fabric address of the node with this index (0-based), with its prefix length. */
export function fabricAddress(index: number, family: Family): { ip: string; prefix: number } {
  const cidr = FABRIC[family];
  return { ip: ipText(cidr.base + BigInt(index + 1), family), prefix: cidr.prefix };
}

/**
 * A bridge's gateway in a subnet: the highest host address that no workload uses, so that workloads
 * numbered from the bottom of the subnet never meet it. Undefined when the subnet has no room.
 */
export function gatewayFor(subnet: Cidr, used: ReadonlySet<string>): string | undefined {
  const bits = subnet.family === 4 ? 32 : 128;
  if (subnet.prefix > bits - 2) return undefined;
  const last = subnet.base | (((1n << BigInt(bits)) - 1n) ^ maskOf(subnet.family, subnet.prefix));
  // IPv4's top address is the broadcast; the base is the network (IPv4) or the subnet-router anycast (IPv6).
  const top = subnet.family === 4 ? last - 1n : last;
  for (let v = top, tries = 0; v > subnet.base && tries < 4096; v--, tries++) {
    const text = ipText(v, subnet.family);
    if (!used.has(text)) return text;
  }
  return undefined;
}

export function subnetOf(subnets: readonly Cidr[], ip: Ip): Cidr | undefined {
  return subnets.find((c) => cidrContains(c, ip));
}

export function hostPrefix(family: Family): number {
  return family === 4 ? 32 : 128;
}
