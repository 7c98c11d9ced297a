// Address arithmetic over the model's bigints: the blocks of a subnet, the addresses of a block.
import ipaddr from "ipaddr.js";
import { maskOf, parseCidr, type Cidr, type Family, type Ip } from "../model/index.js";
import { BLOCK_PREFIX } from "./types.js";

const bitsOf = (family: Family) => (family === 4 ? 32 : 128);

export function ipText(value: bigint, family: Family): string {
  const n = family === 4 ? 4 : 16;
  const bytes: number[] = [];
  for (let i = n - 1; i >= 0; i--) bytes.push(Number((value >> BigInt(i * 8)) & 0xffn));
  return ipaddr.fromByteArray(bytes).toString();
}

export const cidrText = (base: bigint, prefix: number, family: Family) => `${ipText(base, family)}/${prefix}`;

/** The prefix of a subnet's blocks: the block size, or the subnet itself when it is smaller. */
export const blockPrefixOf = (subnet: Cidr) => Math.max(subnet.prefix, BLOCK_PREFIX[subnet.family]);

/** The block of `subnet` that holds `ip`. */
export function blockOf(subnet: Cidr, ip: Ip): string {
  const prefix = blockPrefixOf(subnet);
  return cidrText(ip.value & maskOf(ip.family, prefix), prefix, ip.family);
}

/** The blocks of a subnet in address order, at most `limit` of them (an IPv6 /64 has 2^58). */
export function* blocksOf(subnet: Cidr, limit = 1 << 16): Generator<string> {
  const prefix = blockPrefixOf(subnet);
  const step = 1n << BigInt(bitsOf(subnet.family) - prefix);
  const count = 1n << BigInt(prefix - subnet.prefix);
  for (let i = 0n; i < count && i < BigInt(limit); i++) yield cidrText(subnet.base + i * step, prefix, subnet.family);
}

/**
 * The addresses of a block that a dynamic allocation may give: all but the subnet's own network and
 * broadcast addresses (IPv4), which a bridged /24 cannot use. A fixed address may be any of the subnet.
 */
export function* dynamicAddresses(blockCidr: string, subnet: Cidr): Generator<string> {
  const block = parseCidr(blockCidr);
  if (!block.ok) return;
  const { base, prefix, family } = block.value;
  const size = 1n << BigInt(bitsOf(family) - prefix);
  const last = subnet.base + (1n << BigInt(bitsOf(family) - subnet.prefix)) - 1n;
  for (let v = base; v < base + size && v - base < 1n << 16n; v++) {
    if (family === 4 && (v === subnet.base || v === last) && subnet.prefix < 31) continue;
    yield ipText(v, family);
  }
}
