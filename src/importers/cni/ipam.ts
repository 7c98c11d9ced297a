// The subnets a CNI IPAM section hands addresses from: host-local (`subnet`, `ranges`), calico-ipam
// (`ipv4_pools`, `ipv6_pools` given as CIDRs), static (`addresses`). Other IPAM types, and pools given
// by name, do not say their subnets; the caller then asks for --subnet.
import ipaddr from "ipaddr.js";
import { cidrContains, parseCidr, parseIp, show, type Cidr, type IssuePath } from "../../model/index.js";
import { brief, not, isObject, type Report } from "../emit.js";

export type IpamSubnets = { subnets: Cidr[] } | { unknown: string };

export function ipamSubnets(ipam: unknown, path: IssuePath, report: Report): IpamSubnets {
  if (ipam === undefined || ipam === null) return { unknown: "it has no ipam section" };
  if (!isObject(ipam)) {
    report(path, "invalid-type", `ipam must be an object, ${not(ipam)}`);
    return { subnets: [] };
  }
  const type = ipam.type;
  if (typeof type !== "string") {
    report([...path, "type"], "invalid-type", `ipam.type must be a string, ${not(type)}`);
    return { subnets: [] };
  }
  switch (type) {
    case "host-local":
      return hostLocal(ipam, path, report);
    case "calico-ipam":
      return calicoPools(ipam, path, report);
    case "static":
      return staticAddresses(ipam, path, report);
    default:
      return { unknown: `its ipam type ${show(type)} does not name subnets` };
  }
}

/** host-local's legacy flat range comes first, then `ranges`: a list of range sets, each a list of ranges. */
function hostLocal(ipam: Record<string, unknown>, path: IssuePath, report: Report): IpamSubnets {
  const subnets: Cidr[] = [];
  if (ipam.subnet !== undefined) {
    if (ipam.subnet === "usePodCidr") return { unknown: 'its host-local subnet is "usePodCidr", which the node decides' };
    const c = range(ipam, path, report);
    if (c) subnets.push(c);
  }
  if (ipam.ranges !== undefined) {
    if (!Array.isArray(ipam.ranges)) {
      report([...path, "ranges"], "invalid-type", `ranges must be a list of range sets, ${not(ipam.ranges)}`);
      return { subnets };
    }
    ipam.ranges.forEach((set, i) => {
      const setPath = [...path, "ranges", i];
      if (!Array.isArray(set)) return report(setPath, "invalid-type", `a range set must be a list of ranges ({subnet, rangeStart, rangeEnd, gateway}), ${not(set)}`);
      set.forEach((r, j) => {
        if (!isObject(r)) return report([...setPath, j], "invalid-type", `a range must be an object with a subnet, ${not(r)}`);
        if (r.subnet === undefined) return report([...setPath, j, "subnet"], "missing-field", "a range needs a subnet");
        const c = range(r, [...setPath, j], report);
        if (c) subnets.push(c);
      });
    });
  }
  if (ipam.subnet === undefined && ipam.ranges === undefined) report(path, "missing-field", 'host-local ipam needs "subnet" or "ranges"');
  return { subnets };
}

/** One range: its subnet, and the addresses it names (start, end, gateway) that must lie inside it. */
function range(r: Record<string, unknown>, path: IssuePath, report: Report): Cidr | undefined {
  const c = cidr(r.subnet, [...path, "subnet"], report);
  if (!c) return undefined;
  for (const key of ["rangeStart", "rangeEnd", "gateway"]) {
    const v = r[key];
    if (v === undefined) continue;
    const ip = typeof v === "string" ? parseIp(v) : undefined;
    if (!ip?.ok) report([...path, key], "invalid-ip", `${key} ${brief(v)} is not an IP address`);
    else if (!cidrContains(c, ip.value)) report([...path, key], "ip-outside-subnet", `${key} ${show(v)} is outside subnet ${show(c.text)}`);
  }
  return c;
}

function cidr(v: unknown, path: IssuePath, report: Report): Cidr | undefined {
  if (typeof v !== "string") return void report(path, "invalid-type", `subnet must be a CIDR string, ${not(v)}`);
  const c = parseCidr(v);
  if (!c.ok) return void report(path, "invalid-cidr", c.message);
  if (!v.includes("/")) return void report(path, "invalid-cidr", `${show(v)} has no prefix length; write it as a CIDR such as "10.22.0.0/16"`);
  return c.value;
}

function calicoPools(ipam: Record<string, unknown>, path: IssuePath, report: Report): IpamSubnets {
  const subnets: Cidr[] = [];
  let named: string | undefined;
  for (const key of ["ipv4_pools", "ipv6_pools"]) {
    const pools = ipam[key];
    if (pools === undefined) continue;
    if (!Array.isArray(pools)) {
      report([...path, key], "invalid-type", `${key} must be a list of CIDRs or pool names, ${not(pools)}`);
      continue;
    }
    pools.forEach((p, i) => {
      if (typeof p === "string" && !/[/:]/.test(p) && !/^\d+\.\d+\.\d+\.\d+$/.test(p)) named ??= p;
      else {
        const c = cidr(p, [...path, key, i], report);
        if (c) subnets.push(c);
      }
    });
  }
  if (named !== undefined) return { unknown: `its calico-ipam pool ${show(named)} is named, not given as a CIDR` };
  if (!subnets.length) return { unknown: "its calico-ipam section names no ipv4_pools, so Calico picks from its own IP pools" };
  return { subnets };
}

/** static IPAM gives addresses with their prefix length; the subnet is that prefix. */
function staticAddresses(ipam: Record<string, unknown>, path: IssuePath, report: Report): IpamSubnets {
  const list = ipam.addresses;
  if (!Array.isArray(list)) {
    report([...path, "addresses"], "invalid-type", `static ipam needs a list of addresses, ${not(list)}`);
    return { subnets: [] };
  }
  const subnets: Cidr[] = [];
  list.forEach((a, i) => {
    const at = [...path, "addresses", i, "address"];
    const text = isObject(a) ? a.address : undefined;
    const m = typeof text === "string" ? /^(.+)\/(\d{1,3})$/.exec(text) : null;
    const ip = m ? parseIp(m[1]!) : undefined;
    if (!m || !ip?.ok) return report(at, "invalid-cidr", `address ${brief(text)} is not an address with a prefix length, such as "10.10.0.1/24"`);
    const bytes = ipaddr.parse(ip.value.text).toByteArray();
    const prefix = Number(m[2]);
    bytes.forEach((b, k) => (bytes[k] = b & (0xff << Math.max(0, Math.min(8, 8 * (k + 1) - prefix))) & 0xff));
    const c = parseCidr(`${ipaddr.fromByteArray(bytes).toString()}/${prefix}`);
    if (!c.ok) return report(at, "invalid-cidr", c.message);
    subnets.push(c.value);
  });
  return { subnets };
}
