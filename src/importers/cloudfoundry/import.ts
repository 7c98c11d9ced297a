// The policy server's external API body (GET /networking/v1/external/policies, or the v0 shape with a
// single `port`) to moat: one Policy per destination app, its rules in the order the body lists them,
// and, unless asked not to, the overlay Network with `isolation: workload`: app-to-app traffic is
// denied until a policy allows it.
import { parseCidr, show, type IssuePath } from "../../model/index.js";
import { brief, not, checkKnownKeys, finishImport, isObject, issueSink, parseJson, resource, type Doc, type ImportResult, type Origin, type Report } from "../emit.js";
import { guidProblem, policyDoc, samePolicy, type C2cPolicy } from "./c2c.js";

export interface CloudFoundryOptions {
  /** The overlay network to emit (silk's default is 10.255.0.0/16), or null to emit none. */
  network?: { name: string; subnet: string } | null;
}

export const DEFAULT_NETWORK = { name: "silk", subnet: "10.255.0.0/16" } as const;

export function importCloudFoundry(text: string, file: string, options: CloudFoundryOptions = {}): ImportResult {
  const parsed = parseJson(text, file);
  if (!parsed.ok) return parsed;
  const { issues, report } = issueSink(file);
  const warnings: string[] = [];
  const body = parsed.value;
  const policies: { p: C2cPolicy; path: IssuePath }[] = [];
  if (!isObject(body)) {
    report([], "invalid-type", `expected the policy server's response body, an object with "policies", ${not(body)}`);
  } else if (!Array.isArray(body.policies)) {
    report(["policies"], body.policies === undefined ? "missing-field" : "invalid-type", `"policies" must be a list, ${not(body.policies)}`);
  } else {
    body.policies.forEach((p, i) => {
      const policy = readPolicy(p, ["policies", i], report);
      if (policy) policies.push({ p: policy, path: ["policies", i] });
    });
    if (typeof body.total_policies === "number" && body.total_policies !== body.policies.length) {
      warnings.push(`${file}: total_policies is ${body.total_policies} but ${body.policies.length} policies are listed; the body may be cut short`);
    }
    if (Array.isArray(body.egress_policies) && body.egress_policies.length) {
      warnings.push(`${file}: ${body.egress_policies.length} egress_policies are not imported; only app-to-app policies are`);
    }
  }
  const network = options.network === undefined ? DEFAULT_NETWORK : options.network;
  if (network) {
    const c = parseCidr(network.subnet);
    if (!c.ok) issues.push({ code: "invalid-cidr", path: [], file: "--subnet", message: c.message });
  }
  if (issues.length) return { ok: false, issues };

  const docs: Doc[] = [];
  const origins: Origin[] = [];
  if (network) {
    docs.push(resource("Network", { name: network.name }, { subnets: [network.subnet], isolation: "workload" }));
    origins.push({ file: "--network-name", path: [] });
  }
  const byDestination = new Map<string, { rules: C2cPolicy[]; path: IssuePath }>();
  for (const { p, path } of policies) {
    const entry = byDestination.get(p.destination) ?? { rules: [], path };
    byDestination.set(p.destination, entry);
    // The policy server keeps one copy of a policy; so does moat.
    if (!entry.rules.some((r) => samePolicy(r, p))) entry.rules.push(p);
  }
  for (const [destination, { rules, path }] of byDestination) {
    docs.push(policyDoc(destination, rules));
    origins.push({ file, path });
  }
  return finishImport(docs, origins, warnings);
}

function readPolicy(p: unknown, path: IssuePath, report: Report): C2cPolicy | undefined {
  if (!isObject(p)) return void report(path, "invalid-type", `a policy must be an object with source and destination, ${not(p)}`);
  checkKnownKeys(p, ["source", "destination"], path, report);
  const source = readEnd(p.source, [...path, "source"], ["id", "tag"], report);
  const dst = readEnd(p.destination, [...path, "destination"], ["id", "tag", "protocol", "ports", "port"], report);
  if (!source || !dst) return undefined;
  const dpath = [...path, "destination"];
  const protocol = dst.end.protocol;
  if (protocol !== "tcp" && protocol !== "udp") report([...dpath, "protocol"], protocol === undefined ? "missing-field" : "invalid-protocol", `protocol must be "tcp" or "udp", ${not(protocol)}`);
  const ports = readPorts(dst.end, dpath, report);
  if ((protocol !== "tcp" && protocol !== "udp") || !ports) return undefined;
  return { source: source.id, destination: dst.id, protocol, ...ports };
}

function readEnd(v: unknown, path: IssuePath, known: string[], report: Report): { id: string; end: Record<string, unknown> } | undefined {
  if (!isObject(v)) return void report(path, v === undefined ? "missing-field" : "invalid-type", `must be an object with an id, ${not(v)}`);
  checkKnownKeys(v, known, path, report);
  const problem = guidProblem(v.id);
  if (problem) return void report([...path, "id"], v.id === undefined ? "missing-field" : "invalid-id", problem);
  return { id: v.id as string, end: v };
}

/** v1: `ports: {start, end}`; v0: `port`. */
function readPorts(d: Record<string, unknown>, path: IssuePath, report: Report): { start: number; end: number } | undefined {
  const port = (v: unknown, at: IssuePath): number | undefined => {
    if (typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 65535) return v;
    return void report(at, v === undefined ? "missing-field" : "invalid-port", `port ${brief(v)} is not a port in 1-65535`);
  };
  if (d.ports !== undefined && d.port !== undefined) return void report([...path, "port"], "conflict", 'give "ports" (API v1) or "port" (API v0), not both');
  if (d.port !== undefined) {
    const p = port(d.port, [...path, "port"]);
    return p === undefined ? undefined : { start: p, end: p };
  }
  if (!isObject(d.ports)) return void report([...path, "ports"], d.ports === undefined ? "missing-field" : "invalid-type", `ports must be {"start": N, "end": N}, ${not(d.ports)}`);
  checkKnownKeys(d.ports, ["start", "end"], [...path, "ports"], report);
  const start = port(d.ports.start, [...path, "ports", "start"]);
  const end = port(d.ports.end, [...path, "ports", "end"]);
  if (start === undefined || end === undefined) return undefined;
  if (start > end) return void report([...path, "ports"], "invalid-port", `port range ${show(`${start}-${end}`)} starts after it ends`);
  return { start, end };
}
