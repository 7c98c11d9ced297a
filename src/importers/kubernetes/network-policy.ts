// A NetworkPolicy to a moat Policy (DESIGN.md, "Semantics"): its rules only allow, so a pod selected by
// some policy and allowed by none is denied, and several policies on one pod are a union. Alternatives
// become separate rules: each peer of a rule, and each protocol of its ports, is one moat rule. Every
// Policy keeps moat's default order: rules that only allow give the same verdicts in any order.
// Without metadata.namespace a document is in "default", as `kubectl apply` puts it.
import { API_VERSION, PSEUDO_PREFIX, show, type IssuePath } from "../../model/index.js";
import { parseKubeCidr, strictlyInside } from "./cidr.js";
import { joinTerms, selectorTerms } from "./label-selector.js";
import { dnsLabelProblem, dnsSubdomainProblem, portNameProblem, portNumberProblem } from "./names.js";
import type { Report } from "./report.js";
import type { KubeProtocol, NetworkPolicyDoc, PeerDoc, PortDoc } from "./schema.js";

export interface PolicyContext {
  /** Whether any workload names a port so; a named port that none defines can match no connection. */
  portDefined(name: string, protocol: KubeProtocol): boolean;
}

interface MoatPeer {
  selector?: string;
  namespaceSelector?: string;
  cidrs?: string[];
  notCidrs?: string[];
}

interface MoatRule {
  action: "Allow";
  protocol?: KubeProtocol;
  ports?: (number | string)[];
  from?: MoatPeer;
  to?: MoatPeer;
}

interface PortGroup {
  protocol: KubeProtocol;
  /** Undefined: every port of the protocol. */
  ports: (number | string)[] | undefined;
}

export function readNetworkPolicy(np: NetworkPolicyDoc, report: Report, ctx: PolicyContext): Record<string, unknown> {
  const namespace = np.metadata.namespace ?? "default";
  const nameProblem = dnsSubdomainProblem(np.metadata.name);
  if (nameProblem) report(["metadata", "name"], "invalid-name", nameProblem);
  const nsProblem = dnsLabelProblem(namespace);
  if (nsProblem) report(["metadata", "namespace"], "invalid-name", nsProblem);

  const spec = np.spec ?? {};
  const selector = joinTerms(selectorTerms(spec.podSelector, ["spec", "podSelector"], report));
  // The API server's default: Ingress always, Egress when there are egress rules.
  const types = spec.policyTypes?.length ? [...new Set(spec.policyTypes)] : spec.egress?.length ? ["Ingress", "Egress"] : ["Ingress"];
  const rules = (side: "from" | "to", list: { from?: PeerDoc[] | null; to?: PeerDoc[] | null; ports?: PortDoc[] | null }[], path: IssuePath) =>
    list.flatMap((r, i) => readRule(side, r[side], r.ports, [...path, i], namespace, report, ctx));
  // Rules of a type the policy does not have are ignored, as the API server's readers ignore them.
  const ingress = rules("from", spec.ingress ?? [], ["spec", "ingress"]);
  const egress = rules("to", spec.egress ?? [], ["spec", "egress"]);
  return {
    apiVersion: API_VERSION,
    kind: "Policy",
    metadata: { name: np.metadata.name, namespace },
    spec: {
      selector,
      types,
      ...(types.includes("Ingress") ? { ingress } : {}),
      ...(types.includes("Egress") ? { egress } : {}),
    },
  };
}

function readRule(
  side: "from" | "to",
  peers: PeerDoc[] | null | undefined,
  ports: PortDoc[] | null | undefined,
  path: IssuePath,
  namespace: string,
  report: Report,
  ctx: PolicyContext,
): MoatRule[] {
  // An empty or absent list of peers (or of ports) matches every peer (or port).
  const moatPeers = peers?.length ? peers.map((p, i) => readPeer(p, [...path, side, i], namespace, report)) : [undefined];
  const groups: (PortGroup | undefined)[] = ports?.length ? readPorts(ports, [...path, "ports"], report, ctx) : [undefined];
  const out: MoatRule[] = [];
  for (const peer of moatPeers) {
    if (peer === null) continue;
    for (const g of groups) {
      out.push({
        action: "Allow",
        ...(g ? { protocol: g.protocol } : {}),
        ...(g?.ports ? { ports: g.ports } : {}),
        ...(peer ? { [side]: peer } : {}),
      });
    }
  }
  return out;
}

/** One peer; null when it is invalid (already reported). */
function readPeer(p: PeerDoc, path: IssuePath, namespace: string, report: Report): MoatPeer | null {
  const given = [p.podSelector, p.namespaceSelector, p.ipBlock].filter((x) => x !== null && x !== undefined).length;
  if (given === 0) return void report(path, "required", "must specify a peer: podSelector, namespaceSelector or ipBlock"), null;
  if (p.ipBlock && given > 1) return void report(path, "forbidden", "may not specify both ipBlock and another peer"), null;
  if (p.ipBlock) return readIpBlock(p.ipBlock, [...path, "ipBlock"], report);
  const pods = p.podSelector ? selectorTerms(p.podSelector, [...path, "podSelector"], report) : undefined;
  if (!p.namespaceSelector) {
    // A podSelector alone selects pods of the policy's own namespace.
    return { selector: joinTerms([`${PSEUDO_PREFIX}namespace == ${JSON.stringify(namespace)}`, ...pods!]) };
  }
  const namespaces = selectorTerms(p.namespaceSelector, [...path, "namespaceSelector"], report);
  return { ...(pods?.length ? { selector: joinTerms(pods) } : {}), namespaceSelector: joinTerms(namespaces) };
}

function readIpBlock(b: NonNullable<PeerDoc["ipBlock"]>, path: IssuePath, report: Report): MoatPeer | null {
  const cidr = parseKubeCidr(b.cidr);
  if (!cidr.ok) return void report([...path, "cidr"], "invalid-cidr", cidr.message), null;
  const notCidrs: string[] = [];
  (b.except ?? []).forEach((text, i) => {
    const c = parseKubeCidr(text);
    if (!c.ok) return report([...path, "except", i], "invalid-cidr", c.message);
    if (!strictlyInside(c.value, cidr.value)) return report([...path, "except", i], "invalid-cidr", `${show(text)} must be a strict subset of cidr ${show(b.cidr)}`);
    notCidrs.push(c.value.text);
  });
  return { cidrs: [cidr.value.text], ...(notCidrs.length ? { notCidrs } : {}) };
}

/** Port entries grouped by protocol (first appearance first); a protocol with no port given is whole. */
function readPorts(ports: PortDoc[], path: IssuePath, report: Report, ctx: PolicyContext): PortGroup[] {
  const groups = new Map<KubeProtocol, { whole: boolean; ports: (number | string)[] }>();
  ports.forEach((e, i) => {
    const at = [...path, i];
    const protocol = e.protocol ?? "TCP";
    let g = groups.get(protocol);
    if (!g) groups.set(protocol, (g = { whole: false, ports: [] }));
    const end = e.endPort ?? undefined;
    if (e.port === null || e.port === undefined) {
      if (end !== undefined) report([...at, "endPort"], "forbidden", `endPort ${show(end)} may not be given without port`);
      g.whole = true;
    } else if (typeof e.port === "number") {
      const problem = portNumberProblem(e.port);
      if (problem) return report([...at, "port"], "invalid-port", problem);
      if (end === undefined) return void g.ports.push(e.port);
      const endProblem = portNumberProblem(end) ?? (end < e.port ? `${show(end)} must be greater than or equal to port ${e.port}` : undefined);
      if (endProblem) return report([...at, "endPort"], "invalid-port", endProblem);
      g.ports.push(end === e.port ? e.port : `${e.port}:${end}`);
    } else {
      const problem = portNameProblem(e.port);
      if (problem) return report([...at, "port"], "invalid-port", problem);
      if (end !== undefined) return report([...at, "endPort"], "forbidden", `endPort ${show(end)} may not be given with the named port ${show(e.port)}`);
      // A name no workload gives its port matches no connection, as in Kubernetes; moat's model refuses
      // such a name, so it is left out here, and a rule left without ports is left out whole.
      if (ctx.portDefined(e.port, protocol)) g.ports.push(e.port);
    }
  });
  return [...groups].flatMap(([protocol, g]): PortGroup[] => (g.whole ? [{ protocol, ports: undefined }] : g.ports.length ? [{ protocol, ports: g.ports }] : []));
}
