// Addresses and prefixes as bigints, so that IPv4 and IPv6 share one set of comparisons.
import ipaddr from "ipaddr.js";

export type Family = 4 | 6;

export interface Ip {
  family: Family;
  value: bigint;
  text: string;
}

export interface Cidr {
  family: Family;
  base: bigint;
  prefix: number;
  text: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const bitsOf = (family: Family) => (family === 4 ? 32 : 128);

function toBigint(bytes: number[]): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

function fromBigint(value: bigint, family: Family): string {
  const n = family === 4 ? 4 : 16;
  const bytes: number[] = [];
  for (let i = n - 1; i >= 0; i--) bytes.push(Number((value >> BigInt(i * 8)) & 0xffn));
  return ipaddr.fromByteArray(bytes).toString();
}

const OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
/** A dotted quad as ipaddr.js's isValidFourPartDecimal takes it (no leading zeros), already canonical. */
const DOTTED_QUAD = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

export function parseIp(text: string): Parsed<Ip> {
  if (typeof text !== "string") return { ok: false, message: `${JSON.stringify(text)} is not an IP address` };
  // The common case without ipaddr.js's objects: a 10 MB manifest holds tens of thousands of these.
  const quad = DOTTED_QUAD.exec(text);
  if (quad) {
    const n = ((Number(quad[1]) << 24) >>> 0) + (Number(quad[2]) << 16) + (Number(quad[3]) << 8) + Number(quad[4]);
    return { ok: true, value: { family: 4, value: BigInt(n), text } };
  }
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) {
    const addr = ipaddr.IPv4.parse(text);
    return { ok: true, value: { family: 4, value: toBigint(addr.toByteArray()), text: addr.toString() } };
  }
  if (text.includes(":") && !text.includes("%") && ipaddr.IPv6.isValid(text)) {
    const addr = ipaddr.IPv6.parse(text);
    const value = toBigint(addr.toByteArray());
    return { ok: true, value: { family: 6, value, text: fromBigint(value, 6) } };
  }
  return { ok: false, message: `${JSON.stringify(text)} is not a valid IPv4 or IPv6 address` };
}

function computeMask(family: Family, prefix: number): bigint {
  const bits = BigInt(bitsOf(family));
  return ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(prefix))) - 1n);
}

const MASKS: Record<Family, bigint[]> = {
  4: Array.from({ length: 33 }, (_, p) => computeMask(4, p)),
  6: Array.from({ length: 129 }, (_, p) => computeMask(6, p)),
};

export function maskOf(family: Family, prefix: number): bigint {
  return MASKS[family][prefix] ?? computeMask(family, prefix);
}

/** Parses "a.b.c.d/n" or "x::/n"; a bare address is a host prefix. Host bits set is an error with the fix. */
export function parseCidr(text: string): Parsed<Cidr> {
  if (typeof text !== "string") return { ok: false, message: `${JSON.stringify(text)} is not a CIDR` };
  const slash = text.indexOf("/");
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const ip = parseIp(addrText);
  if (!ip.ok) return { ok: false, message: `${JSON.stringify(text)} is not a valid CIDR: ${JSON.stringify(addrText)} is not an IPv4 or IPv6 address` };
  const family = ip.value.family;
  const max = bitsOf(family);
  let prefix = max;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > max) {
      return { ok: false, message: `${JSON.stringify(text)} is not a valid CIDR: prefix length must be 0..${max}` };
    }
    prefix = Number(p);
  }
  const base = ip.value.value & maskOf(family, prefix);
  const canonical = `${fromBigint(base, family)}/${prefix}`;
  if (base !== ip.value.value) {
    return { ok: false, message: `${JSON.stringify(text)} has host bits set; did you mean ${JSON.stringify(canonical)}?` };
  }
  return { ok: true, value: { family, base, prefix, text: canonical } };
}

export function cidrContains(cidr: Cidr, ip: Ip): boolean {
  return cidr.family === ip.family && (ip.value & maskOf(cidr.family, cidr.prefix)) === cidr.base;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const prefix = Math.min(a.prefix, b.prefix);
  const mask = maskOf(a.family, prefix);
  return (a.base & mask) === (b.base & mask);
}

export function hostCidr(ip: Ip): Cidr {
  return { family: ip.family, base: ip.value, prefix: bitsOf(ip.family), text: `${ip.text}/${bitsOf(ip.family)}` };
}
