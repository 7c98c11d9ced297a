import ipaddr from "ipaddr.js";
import { cidrContains, parseCidr, parseIp, show, type Cidr, type Ip, type Parsed } from "../../model/index.js";

/**
 * An ipBlock CIDR as the API server has long read it (Go's ParseCIDR): host bits may be set and are
 * masked off, so "10.244.1.1/4" is 0.0.0.0/4. Servers since 1.33 refuse such values in new objects
 * but keep those already stored, and old upstream e2e tests wrote them, so moat reads them too.
 */
export function parseKubeCidr(text: string): Parsed<Cidr> {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  const ip = m ? parseIp(m[1]!) : undefined;
  if (!m || !ip?.ok) return { ok: false, message: `${show(text)} is not a CIDR: expected an IPv4 or IPv6 address, "/" and a prefix length` };
  const prefix = Number(m[2]);
  const bits = ip.value.family === 4 ? 32 : 128;
  if (prefix > bits) return { ok: false, message: `${show(text)} is not a CIDR: the prefix length must be 0..${bits}` };
  const bytes = ipaddr.parse(ip.value.text).toByteArray();
  const masked = bytes.map((b, i) => {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    return b & ((0xff << (8 - keep)) & 0xff);
  });
  return parseCidr(`${ipaddr.fromByteArray(masked).toString()}/${prefix}`);
}

/** Every address of inner is in outer. */
export function covers(outer: Cidr, inner: Cidr): boolean {
  return inner.prefix >= outer.prefix && cidrContains(outer, { family: inner.family, value: inner.base, text: inner.text });
}

/** The API server's rule for ipBlock.except: inside cidr and strictly smaller. */
export function strictlyInside(inner: Cidr, outer: Cidr): boolean {
  return inner.prefix > outer.prefix && covers(outer, inner);
}

/**
 * The fewest prefixes whose union is exactly these addresses: runs of consecutive addresses split into
 * aligned blocks. Pods get addresses in runs from their node's range, so a cluster's pods take a few
 * prefixes rather than one each.
 */
export function exactCover(ips: Ip[]): string[] {
  const out: string[] = [];
  for (const family of [4, 6] as const) {
    const bits = family === 4 ? 32 : 128;
    const values = [...new Set(ips.filter((ip) => ip.family === family).map((ip) => ip.value))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (let i = 0; i < values.length; ) {
      let j = i;
      while (j + 1 < values.length && values[j + 1] === values[j]! + 1n) j++;
      let start = values[i]!;
      const end = values[j]!;
      while (start <= end) {
        let size = 0;
        while (size < bits && start % (1n << BigInt(size + 1)) === 0n && start + (1n << BigInt(size + 1)) - 1n <= end) size++;
        out.push(`${addressText(family, start)}/${bits - size}`);
        start += 1n << BigInt(size);
      }
      i = j + 1;
    }
  }
  return out;
}

function addressText(family: 4 | 6, value: bigint): string {
  const n = family === 4 ? 4 : 16;
  const bytes = Array.from({ length: n }, (_, i) => Number((value >> BigInt((n - 1 - i) * 8)) & 0xffn));
  return ipaddr.fromByteArray(bytes).toString();
}
