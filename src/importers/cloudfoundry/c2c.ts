// A Cloud Foundry container-to-container policy and the moat Policy it becomes: an ingress Allow on
// the destination app from the source app, with its protocol and port range. Apps are named by the
// label cloudfoundry.org/app-guid; cloudfoundry.org/app-name gives the name `cf` users type.
import { parseSelector, show, type Selector } from "../../model/index.js";
import { isLabelValue, isObject, resource, type Doc } from "../emit.js";

export const APP_GUID_LABEL = "cloudfoundry.org/app-guid";
export const APP_NAME_LABEL = "cloudfoundry.org/app-name";

export type C2cProtocol = "tcp" | "udp";

export interface C2cPolicy {
  source: string;
  destination: string;
  protocol: C2cProtocol;
  start: number;
  end: number;
}

export const samePolicy = (a: C2cPolicy, b: C2cPolicy) =>
  a.source === b.source && a.destination === b.destination && a.protocol === b.protocol && a.start === b.start && a.end === b.end;

/** A GUID must be usable as a label value, since that is how workloads carry it. */
export function guidProblem(guid: unknown): string | undefined {
  if (guid === undefined) return "the app id is missing";
  if (typeof guid !== "string" || guid === "" || !isLabelValue(guid)) {
    return `app id ${show(guid)} cannot be a label value (1-63 characters of [A-Za-z0-9-_.], starting and ending with a letter or digit)`;
  }
  return undefined;
}

export const appSelector = (guid: string) => `${APP_GUID_LABEL} == ${JSON.stringify(guid)}`;

export const policyName = (destination: string) => `c2c-${destination}`;

export function ruleDoc(p: C2cPolicy): Doc {
  return {
    action: "Allow",
    protocol: p.protocol.toUpperCase(),
    ports: [p.start === p.end ? p.start : `${p.start}:${p.end}`],
    from: { selector: appSelector(p.source) },
  };
}

export function policyDoc(destination: string, rules: C2cPolicy[]): Doc {
  return resource("Policy", { name: policyName(destination) }, { selector: appSelector(destination), types: ["Ingress"], ingress: rules.map(ruleDoc) });
}

/** The app GUID a selector names, when it is exactly `cloudfoundry.org/app-guid == "GUID"`. */
export function selectedApp(text: unknown): string | undefined {
  if (typeof text !== "string") return undefined;
  const parsed = parseSelector(text);
  const s: Selector | undefined = parsed.ok ? parsed.value : undefined;
  return s?.op === "eq" && s.key === APP_GUID_LABEL ? s.value : undefined;
}

/** The destination app of a Policy document that selects one app for ingress everywhere, else undefined. */
export function policyDestination(doc: unknown): string | undefined {
  if (!isObject(doc) || doc.kind !== "Policy" || !isObject(doc.spec)) return undefined;
  if (isObject(doc.metadata) && doc.metadata.namespace !== undefined) return undefined;
  const types = doc.spec.types;
  if (types !== undefined && !(Array.isArray(types) && types.includes("Ingress"))) return undefined;
  return selectedApp(doc.spec.selector);
}

/** A Policy that holds Cloud Foundry policies only: a new one may join it without changing what the others mean. */
export function isC2cPolicyDoc(doc: unknown): boolean {
  const destination = policyDestination(doc);
  if (!destination || !isObject(doc) || !isObject(doc.spec)) return false;
  const ingress = doc.spec.ingress ?? [];
  return Array.isArray(ingress) && ingress.every((r) => readRule(r, destination)) && doc.spec.egress === undefined;
}

/** The c2c policy an ingress rule states, when it has exactly the shape ruleDoc gives. */
export function readRule(rule: unknown, destination: string): C2cPolicy | undefined {
  if (!isObject(rule) || rule.action !== "Allow" || !isObject(rule.from)) return undefined;
  if (Object.keys(rule).some((k) => !["action", "protocol", "ports", "from"].includes(k)) || Object.keys(rule.from).length !== 1) return undefined;
  const source = selectedApp(rule.from.selector);
  const protocol = rule.protocol === "TCP" ? "tcp" : rule.protocol === "UDP" ? "udp" : undefined;
  const ports = Array.isArray(rule.ports) && rule.ports.length === 1 ? portRange(rule.ports[0]) : undefined;
  if (!source || !protocol || !ports) return undefined;
  return { source, destination, protocol, ...ports };
}

function portRange(p: unknown): { start: number; end: number } | undefined {
  if (typeof p === "number") return { start: p, end: p };
  const m = typeof p === "string" ? /^(\d+)(?::(\d+))?$/.exec(p) : null;
  return m ? { start: Number(m[1]), end: Number(m[2] ?? m[1]) } : undefined;
}

/** `cf add-network-policy --port`: "8080" or "8080-8090", each port in 1..65535. */
export function parseCfPort(text: string): { start: number; end: number } | string {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  const start = m ? Number(m[1]) : NaN;
  const end = m ? Number(m[2] ?? m[1]) : NaN;
  if (!m || !(start >= 1 && start <= 65535 && end >= 1 && end <= 65535)) return `port ${show(text)} is not a port or a range of ports in 1-65535 (e.g. 8080 or 8080-8090)`;
  if (start > end) return `port range ${show(text)} starts after it ends`;
  return { start, end };
}

export const formatPorts = (p: { start: number; end: number }) => (p.start === p.end ? `${p.start}` : `${p.start}-${p.end}`);
