// From what `ip -j` and `bridge -j` print about moat.vx to the commands that make it the desired overlay.
// Pure, so the diff is tested without a kernel. Only moat.vx and what hangs off it (its neighbour and
// FDB entries, the routes through it) are read or written: those are moat's by construction.
import { parseIp } from "../model/index.js";
import type { DesiredOverlay, OverlayDevice } from "./desired.js";

/** The raw JSON the executor read; link is "" when the device does not exist. */
export interface OverlayReadBack {
  link: string;
  neigh: string;
  fdb: string;
  routes4: string;
  routes6: string;
}

export interface ObservedDevice extends Omit<OverlayDevice, "gbp"> {
  gbp: boolean;
  learning: boolean;
  mtu: number;
  up: boolean;
}

export interface OverlaySteps {
  /** Lines for `ip -batch -`, in order. */
  ip: string[];
  /** Lines for `bridge -batch -` (FDB entries), run after ip's. */
  bridge: string[];
  /** What changes, for logs and tests ("route add 10.0.1.2/32"). */
  summary: string[];
}

type Json = Record<string, unknown>;
const list = (text: string): Json[] => (text.trim() ? (JSON.parse(text) as Json[]) : []);

export function observedDevice(linkJson: string): ObservedDevice | undefined {
  const link = list(linkJson)[0];
  if (!link) return undefined;
  const info = (link.linkinfo as { info_kind?: string; info_data?: Json } | undefined) ?? {};
  if (info.info_kind !== "vxlan") return { name: String(link.ifname), vni: -1, port: -1, local: "", mac: "", gbp: false, learning: true, mtu: 0, up: false };
  const d = info.info_data ?? {};
  return {
    name: String(link.ifname),
    vni: Number(d.id),
    port: Number(d.port),
    local: String(d.local ?? ""),
    mac: String(link.address ?? ""),
    gbp: d.gbp === true,
    learning: d.learning !== false,
    mtu: Number(link.mtu),
    up: ((link.flags as string[] | undefined) ?? []).includes("UP"),
  };
}

/** One spelling per address, whatever the tool printed (IPv6 zero runs, a missing /32). */
function addressKey(text: string): string {
  const [addr, prefix] = text.split("/");
  const p = parseIp(addr!);
  if (!p.ok) return text;
  return `${p.value.family}:${p.value.value.toString(16)}/${prefix ?? (p.value.family === 4 ? 32 : 128)}`;
}

function deviceMatches(want: OverlayDevice, mtu: number, have: ObservedDevice): boolean {
  return have.vni === want.vni && have.port === want.port && have.local === want.local && have.mac === want.mac && have.gbp && !have.learning && have.mtu === mtu;
}

/**
 * The commands from read to desired. A device with other parameters is made again (VXLAN parameters cannot
 * be changed in place), which takes its entries and routes with it, so all of them are added back.
 */
export function overlaySteps(desired: DesiredOverlay, mtu: number, read: OverlayReadBack): OverlaySteps {
  const steps: OverlaySteps = { ip: [], bridge: [], summary: [] };
  const dev = desired.device;
  const have = observedDevice(read.link);
  const fresh = !have || !deviceMatches(dev, mtu, have);
  if (have && fresh) {
    steps.ip.push(`link del ${dev.name}`);
    steps.summary.push(`device ${dev.name} replaced`);
  }
  if (fresh) {
    steps.ip.push(`link add ${dev.name} address ${dev.mac} mtu ${mtu} type vxlan id ${dev.vni} dstport ${dev.port} local ${dev.local} nolearning gbp`);
    if (!have) steps.summary.push(`device ${dev.name} created`);
  }
  if (fresh || !have.up) steps.ip.push(`link set ${dev.name} up`);

  const neighHave = fresh ? [] : list(read.neigh).filter((n) => ((n.state as string[] | undefined) ?? []).includes("PERMANENT"));
  const neighWant = new Map(desired.neighbors.map((n) => [addressKey(n.ip), n]));
  for (const n of neighHave) {
    const want = neighWant.get(addressKey(String(n.dst)));
    if (!want) {
      steps.ip.push(`neigh del ${String(n.dst)} dev ${dev.name}`);
      steps.summary.push(`neigh del ${String(n.dst)}`);
    } else if (want.mac === n.lladdr) neighWant.delete(addressKey(want.ip));
  }
  for (const n of neighWant.values()) {
    steps.ip.push(`neigh replace ${n.ip} lladdr ${n.mac} dev ${dev.name} nud permanent`);
    steps.summary.push(`neigh ${n.ip} ${n.mac}`);
  }

  const withFamily = (family: 4 | 6) => (r: Json): Json => ({ ...r, family });
  const routesHave = fresh ? [] : [...list(read.routes4).map(withFamily(4)), ...list(read.routes6).map(withFamily(6))].filter((r) => r.protocol !== "kernel" && !String(r.dst).startsWith("ff") && r.type === undefined);
  const routeWant = new Map(desired.routes.map((r) => [addressKey(r.dst), r]));
  for (const r of routesHave) {
    const want = routeWant.get(addressKey(String(r.dst)));
    if (want && r.gateway !== undefined && addressKey(String(r.gateway)) === addressKey(want.via)) {
      routeWant.delete(addressKey(want.dst));
      continue;
    }
    // ip -batch takes no per-line options (-6): the address says the family.
    steps.ip.push(`route del ${String(r.dst)} dev ${dev.name}`);
    if (!want) steps.summary.push(`route del ${String(r.dst)}`);
  }
  for (const r of routeWant.values()) {
    steps.ip.push(r.family === 4 ? `route add ${r.dst} via ${r.via} dev ${dev.name} onlink` : `route add ${r.dst} via ${r.via} dev ${dev.name}`);
    steps.summary.push(`route add ${r.dst}`);
  }

  const fdbHave = fresh ? [] : list(read.fdb).filter((f) => f.dst !== undefined);
  const fdbWant = new Map(desired.fdb.map((f) => [`${f.mac} ${addressKey(f.dst)}`, f]));
  for (const f of fdbHave) {
    const key = `${String(f.mac)} ${addressKey(String(f.dst))}`;
    if (fdbWant.delete(key)) continue;
    steps.bridge.push(`fdb del ${String(f.mac)} dev ${dev.name} dst ${String(f.dst)}`);
    steps.summary.push(`fdb del ${String(f.mac)} ${String(f.dst)}`);
  }
  for (const f of fdbWant.values()) {
    steps.bridge.push(`fdb append ${f.mac} dev ${dev.name} dst ${f.dst}`);
    steps.summary.push(`fdb ${f.mac} ${f.dst}`);
  }
  return steps;
}
