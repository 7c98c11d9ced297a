// Addresses as iptables and ipset read them: a.b.c.d, a.b.c.d/n, a.b.c.d/255.255.0.0, x::/n, and the
// a-b ranges of ipset and -m iprange. Built on the model's parser (src/model/ip.ts).
import { maskOf, parseIp, type Ip } from "../model/index.js";
import type { AddrRange, AnalyzedFamily } from "./types.js";

export type AddressRead =
  | { ok: true; range: AddrRange; hostBits?: { meant: string } }
  | { ok: false; message: string };

const bits = (family: AnalyzedFamily) => (family === 4 ? 32 : 128);

export function rangeOfIp(ip: Ip): AddrRange {
  return { family: ip.family, lo: ip.value, hi: ip.value, text: ip.text };
}

function prefixOfMask(mask: Ip): number | undefined {
  const width = bits(mask.family);
  for (let p = 0; p <= width; p++) if (maskOf(mask.family, p) === mask.value) return p;
  return undefined;
}

/** A CIDR or address; host bits set are accepted (the kernel masks them) and reported. */
export function readCidr(text: string, family?: AnalyzedFamily): AddressRead {
  const slash = text.indexOf("/");
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const ip = parseIp(addrText);
  if (!ip.ok) return { ok: false, message: `${JSON.stringify(text)} is not an address: ${JSON.stringify(addrText)} is not an IPv4 or IPv6 address` };
  const f = ip.value.family;
  if (family && family !== f) return { ok: false, message: `${JSON.stringify(text)} is an IPv${f} address where an IPv${family} one is needed` };
  let prefix = bits(f);
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (/^\d{1,3}$/.test(p) && Number(p) <= bits(f)) prefix = Number(p);
    else {
      const mask = parseIp(p);
      const fromMask = mask.ok && mask.value.family === f ? prefixOfMask(mask.value) : undefined;
      if (fromMask === undefined) return { ok: false, message: `${JSON.stringify(text)} is not a CIDR: the prefix length must be 0..${bits(f)}` };
      prefix = fromMask;
    }
  }
  const mask = maskOf(f, prefix);
  const lo = ip.value.value & mask;
  const hi = lo | (((1n << BigInt(bits(f))) - 1n) ^ mask);
  const base = parseIpText(lo, f);
  const textOut = prefix === bits(f) ? `${base}/${prefix}` : `${base}/${prefix}`;
  const range: AddrRange = { family: f, lo, hi, text: textOut };
  if (lo !== ip.value.value) return { ok: true, range, hostBits: { meant: textOut } };
  return { ok: true, range };
}

function parseIpText(value: bigint, family: AnalyzedFamily): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join(".");
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((value >> BigInt(i * 16)) & 0xffffn).toString(16));
  const ip = parseIp(groups.join(":"));
  return ip.ok ? ip.value.text : groups.join(":");
}

/** "a-b" (ipset, iprange) or a CIDR. */
export function readAddressOrRange(text: string, family?: AnalyzedFamily): AddressRead {
  const dash = text.indexOf("-");
  if (dash > 0 && !text.includes("/")) {
    const a = parseIp(text.slice(0, dash));
    const b = parseIp(text.slice(dash + 1));
    if (!a.ok || !b.ok || a.value.family !== b.value.family || a.value.value > b.value.value) {
      return { ok: false, message: `${JSON.stringify(text)} is not an address range (FIRST-LAST, first not above last, one family)` };
    }
    if (family && a.value.family !== family) return { ok: false, message: `${JSON.stringify(text)} is an IPv${a.value.family} range where an IPv${family} one is needed` };
    return { ok: true, range: { family: a.value.family, lo: a.value.value, hi: b.value.value, text } };
  }
  return readCidr(text, family);
}

export const rangeContains = (outer: AddrRange, inner: AddrRange) => outer.family === inner.family && outer.lo <= inner.lo && inner.hi <= outer.hi;
export const rangesOverlap = (a: AddrRange, b: AddrRange) => a.family === b.family && a.lo <= b.hi && b.lo <= a.hi;
export const rangeHas = (r: AddrRange, ip: Ip) => r.family === ip.family && r.lo <= ip.value && ip.value <= r.hi;
