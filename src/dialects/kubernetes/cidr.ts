import ipaddr from "ipaddr.js";
import { cidrContains, parseCidr, parseIp, show, type Cidr, type Parsed } from "../../model/index.js";

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
