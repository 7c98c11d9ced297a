// Rancher API container objects (GET /v2-beta/projects/<id>/containers, or one container) as moat
// Workloads: name, primaryIpAddress, hostId as the node, and the labels, Rancher's own
// io.rancher.stack.name and io.rancher.stack_service.name among them. Published and exposed ports
// become named ports ("tcp-80"), so that `moat matrix` has ports to probe.
//
// Left out, each with a warning: system containers (Rancher's policy does not apply to them),
// containers that are not running, have no address, or are not on the managed network.
import { nodeNameProblem, parseIp, show, type IssuePath } from "../../model/index.js";
import { brief, not, isLabelKey, isLabelValue, isObject, resource, type Doc, type Origin, type Report } from "../emit.js";
import { MAPPED_KEYS, mapLabelValue } from "./labels.js";
import { withoutNulls } from "./rules.js";

export interface ContainerContext {
  network: string;
  /** Label keys the policy depends on: a container label under one of them must survive. */
  keys: ReadonlySet<string>;
  claim: (raw: string, path: IssuePath, report: Report) => string | undefined;
  warn: (w: string) => void;
}

export function readContainers(raw: unknown, file: string, report: Report, ctx: ContainerContext): { docs: Doc[]; origins: Origin[] } {
  const list = containerList(raw, report);
  const docs: Doc[] = [];
  const origins: Origin[] = [];
  const seen = new Map<string, Map<string, string>>();
  const dropped: Dropped = new Map();
  for (const { value, path } of list) {
    const doc = readContainer(value, path, report, ctx, seen, dropped);
    if (!doc) continue;
    docs.push(doc);
    origins.push({ file, path });
  }
  for (const [key, n] of dropped) ctx.warn(`label ${show(key)} is left off ${n} container${n === 1 ? "" : "s"}: it is not a valid moat label key and value (no rule refers to it)`);
  return { docs, origins };
}

/** A collection as the API returns it ({"type": "collection", "data": [...]}), a plain list, or one container. */
function containerList(raw: unknown, report: Report): { value: unknown; path: IssuePath }[] {
  if (Array.isArray(raw)) return raw.map((value, i) => ({ value, path: [i] }));
  if (isObject(raw) && raw.type === "collection") {
    if (Array.isArray(raw.data)) return raw.data.map((value, i) => ({ value, path: ["data", i] }));
    report(["data"], "invalid-type", `a collection needs its "data" list, ${not(raw.data)}`);
    return [];
  }
  if (isObject(raw)) return [{ value: raw, path: [] }];
  report([], "invalid-type", `expected Rancher containers (a collection, a list or one container), ${not(raw)}`);
  return [];
}

function readContainer(raw: unknown, path: IssuePath, report: Report, ctx: ContainerContext, seen: Map<string, Map<string, string>>, dropped: Dropped): Doc | undefined {
  if (!isObject(raw)) return void report(path, "invalid-type", `a container must be an object, ${not(raw)}`);
  const c = withoutNulls(raw);
  if (c.type !== undefined && c.type !== "container") return void report([...path, "type"], "invalid-type", `expected a resource of type "container", ${not(c.type)}`);
  if (typeof c.name !== "string" || c.name === "") return void report([...path, "name"], "missing-field", `a container needs a name, ${not(c.name)}`);
  const name = c.name;
  const skip = (why: string) => void ctx.warn(`container ${show(name)} is not imported: ${why}`);
  if (c.system === true) return skip("it is a system container, which Rancher's network policy leaves alone");
  if (typeof c.state === "string" && c.state !== "running") return skip(`it is ${c.state}`);
  if (typeof c.networkMode === "string" && c.networkMode !== "managed") return skip(`its networkMode is ${show(c.networkMode)}, not the managed network`);
  if (c.primaryIpAddress === undefined || c.primaryIpAddress === "") return skip("it has no primaryIpAddress");
  const ip = typeof c.primaryIpAddress === "string" ? parseIp(c.primaryIpAddress) : undefined;
  if (!ip?.ok) return void report([...path, "primaryIpAddress"], "invalid-ip", `${brief(c.primaryIpAddress)} is not an IP address`);
  if (typeof c.hostId !== "string" || c.hostId === "") return void report([...path, "hostId"], "missing-field", `a running container needs the hostId of its host, ${not(c.hostId)}`);
  const hostProblem = nodeNameProblem(c.hostId);
  if (hostProblem) return void report([...path, "hostId"], "invalid-node", `hostId: ${hostProblem}`);
  const labels = readLabels(c.labels, [...path, "labels"], report, ctx, seen, dropped);
  const ports = readPorts(c, path, report);
  const workload = ctx.claim(name, [...path, "name"], report);
  if (!workload || !labels || !ports) return undefined;
  const spec: Doc = { node: c.hostId, network: ctx.network, ips: [ip.value.text] };
  if (ports.length) spec.ports = ports;
  return resource("Workload", Object.keys(labels).length ? { name: workload, labels } : { name: workload }, spec);
}

/** Labels dropped because moat cannot carry them: key to the number of containers that lost it. */
type Dropped = Map<string, number>;

function readLabels(raw: unknown, path: IssuePath, report: Report, ctx: ContainerContext, seen: Map<string, Map<string, string>>, dropped: Dropped): Record<string, string> | undefined {
  if (raw === undefined) return {};
  if (!isObject(raw)) return void report(path, "invalid-type", `labels must be an object of strings, ${not(raw)}`);
  const out: Record<string, string> = {};
  let ok = true;
  for (const [key, value] of Object.entries(raw).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (typeof value !== "string") {
      ok = false;
      report([...path, key], "invalid-type", `label ${show(key)} must be a string, ${not(value)}`);
      continue;
    }
    const usable = isLabelKey(key) && !key.startsWith("moat.dev/");
    const mapped = !usable ? undefined : ctx.keys.has(key) || MAPPED_KEYS.includes(key) ? mapLabelValue(value) : isLabelValue(value) ? value : undefined;
    if (mapped === undefined) {
      if (ctx.keys.has(key)) {
        ok = false;
        report([...path, key], "invalid-label", `label ${show(key)}: ${show(value)} cannot be a moat label, and the policy depends on it`);
      } else dropped.set(key, (dropped.get(key) ?? 0) + 1);
      continue;
    }
    // Two values that map to one would make containers equal that Rancher tells apart.
    const values = seen.get(key) ?? new Map<string, string>();
    seen.set(key, values);
    const earlier = values.get(mapped);
    if (earlier !== undefined && earlier !== value) {
      ok = false;
      report([...path, key], "invalid-label", `label ${show(key)}: ${show(value)} and ${show(earlier)} would both become ${show(mapped)}`);
      continue;
    }
    values.set(mapped, value);
    out[key] = mapped;
  }
  return ok ? out : undefined;
}

/** `ports` ("[ip:][public:]private[/proto]") and `expose` ("private[/proto]"): the private port is what peers reach. */
function readPorts(c: Record<string, unknown>, path: IssuePath, report: Report): { name: string; port: number; protocol: string }[] | undefined {
  const out = new Map<string, { name: string; port: number; protocol: string }>();
  let ok = true;
  for (const field of ["ports", "expose"]) {
    const list = c[field];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      ok = false;
      report([...path, field], "invalid-type", `${field} must be a list of strings such as "8080:80/tcp", ${not(list)}`);
      continue;
    }
    list.forEach((entry, i) => {
      // A range ("8000-8010:8000-8010/tcp") has no one port to name; it is valid, and left out.
      if (typeof entry === "string" && /^(?:.*:)?\d+-\d+(?:\/(tcp|udp))?$/.test(entry)) return;
      const m = typeof entry === "string" ? /^(?:.*:)?(\d+)(?:\/(tcp|udp))?$/.exec(entry) : null;
      const port = m ? Number(m[1]) : NaN;
      if (!m || !(port >= 1 && port <= 65535)) {
        ok = false;
        return report([...path, field, i], "invalid-port", `${brief(entry)} is not a port mapping such as "8080:80/tcp" or "80"`);
      }
      const proto = m[2] ?? "tcp";
      out.set(`${proto}-${port}`, { name: `${proto}-${port}`, port, protocol: proto.toUpperCase() });
    });
  }
  return ok ? [...out.values()].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol)) : undefined;
}
