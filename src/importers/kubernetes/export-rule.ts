// One moat rule to one NetworkPolicy rule, or the reasons it cannot be one.
import { PSEUDO_PREFIX, show, type Cidr, type IssuePath, type Peer, type Rule } from "../../model/index.js";
import { covers, parseKubeCidr, strictlyInside } from "./cidr.js";
import { conjunction, labelSelector, type Term } from "./export-selector.js";
import { NAME_LABEL } from "./namespace.js";
import { portNameProblem } from "./names.js";
import type { Report } from "./report.js";
import type { LabelSelectorDoc, PeerDoc, PortDoc } from "./schema.js";

const NAMESPACE_KEY = `${PSEUDO_PREFIX}namespace`;
const EVERYWHERE = ["0.0.0.0/0", "::/0"].map((t) => (parseKubeCidr(t) as { ok: true; value: Cidr }).value);

/** The peers a moat peer becomes: "any" (no restriction), "none" (matches no address) or a list (OR). */
type Peers = { kind: "any" } | { kind: "none" } | { kind: "list"; peers: PeerDoc[] };

export interface KubeRule {
  ports?: PortDoc[];
  from?: PeerDoc[];
  to?: PeerDoc[];
}

/** The rule, or undefined when it cannot be written (reported) or matches nothing (left out, exactly). */
export function exportRule(rule: Rule, side: "from" | "to", namespace: string, path: IssuePath, report: Report): KubeRule | undefined {
  let ok = true;
  const fail = (at: IssuePath, message: string) => {
    ok = false;
    report([...path, ...at], "not-expressible", message);
  };
  if (rule.action !== "Allow") fail(["action"], `${rule.action} cannot be expressed: NetworkPolicy rules only allow`);
  if (rule.protocol === "ICMP") fail(["protocol"], "ICMP cannot be expressed: NetworkPolicy ports are TCP, UDP or SCTP");
  const ports: PortDoc[] | undefined = !rule.protocol || rule.protocol === "ICMP" ? undefined : rule.ports ? [] : [{ protocol: rule.protocol }];
  (rule.ports ?? []).forEach((p, i) => {
    const protocol = rule.protocol as PortDoc["protocol"];
    if (p.kind === "range") ports?.push({ protocol, port: p.start, ...(p.end > p.start ? { endPort: p.end } : {}) });
    else if (portNameProblem(p.name)) fail(["ports", i], portNameProblem(p.name)!);
    else ports?.push({ protocol, port: p.name });
  });
  const peers = rule.peer ? exportPeer(rule.peer, namespace, (at, message) => fail([side, ...at], message)) : { kind: "any" as const };
  if (!ok || peers.kind === "none") return undefined;
  return { ...(ports ? { ports } : {}), ...(peers.kind === "list" ? { [side]: peers.peers } : {}) };
}

function exportPeer(peer: Peer, namespace: string, fail: (at: IssuePath, message: string) => void): Peers {
  if (peer.networks) fail(["networks"], `networks ${show(peer.networks)} cannot be expressed: Kubernetes pods have no moat network`);
  if (peer.sameLabels) fail(["sameLabels"], `sameLabels ${show(peer.sameLabels)} cannot be expressed: a NetworkPolicy cannot compare the labels of two pods`);
  const addresses = peer.cidrs !== undefined || peer.notCidrs !== undefined;
  const selects = peer.selector !== undefined || peer.namespaceSelector !== undefined;
  if (addresses && selects) {
    fail([], "a peer with both addresses (cidrs, notCidrs) and selectors cannot be expressed: an ipBlock peer may not also select pods");
    return { kind: "none" };
  }
  if (addresses) return ipBlocks(peer.cidrs ?? EVERYWHERE, peer.notCidrs ?? []);
  if (selects) return selectorPeer(peer, namespace, fail);
  return { kind: "any" };
}

/** (any of cidrs) and (none of notCidrs), as one ipBlock per cidr with the excepts inside it. */
function ipBlocks(cidrs: Cidr[], notCidrs: Cidr[]): Peers {
  const peers: PeerDoc[] = [];
  for (const c of cidrs) {
    if (notCidrs.some((n) => covers(n, c))) continue;
    const except = notCidrs.filter((n) => strictlyInside(n, c)).map((n) => n.text);
    peers.push({ ipBlock: { cidr: c.text, ...(except.length ? { except } : {}) } });
  }
  return peers.length ? { kind: "list", peers } : { kind: "none" };
}

function selectorPeer(peer: Peer, namespace: string, fail: (at: IssuePath, message: string) => void): Peers {
  const problems = (at: string) => (list: string[]) => list.forEach((p) => fail([at], `${show(at === "selector" ? peer.selector?.text : peer.namespaceSelector?.text)} cannot be expressed: ${p}`));
  const podProblems: string[] = [];
  const terms = peer.selector ? conjunction(peer.selector.tree, podProblems) : [];
  const podTerms: Term[] = [];
  const nsTerms: Term[] = [];
  let none = false;
  for (const t of terms) {
    if (t.key === NAMESPACE_KEY) {
      // Every pod has a namespace, and its name is the namespace's kubernetes.io/metadata.name label.
      if (t.operator === "DoesNotExist") none = true;
      else if (t.operator !== "Exists") nsTerms.push({ ...t, key: NAME_LABEL });
    } else if (t.key.startsWith(PSEUDO_PREFIX)) {
      podProblems.push(`${t.key} is moat's own label, and a Kubernetes pod has no such label`);
    } else podTerms.push(t);
  }
  const nsSelProblems: string[] = [];
  const nsSelTerms = peer.namespaceSelector ? conjunction(peer.namespaceSelector.tree, nsSelProblems) : [];
  const podSelector = labelSelector(podTerms, podProblems);
  const sameNamespaceOnly = !peer.namespaceSelector && nsTerms.length === 1 && nsTerms[0]!.operator === "In" && nsTerms[0]!.values!.length === 1 && nsTerms[0]!.values![0] === namespace;
  const namespaceSelector: LabelSelectorDoc = labelSelector([...nsTerms, ...nsSelTerms], nsSelProblems);
  problems("selector")(podProblems);
  problems("namespaceSelector")(nsSelProblems);
  if (none) return { kind: "none" };
  // A podSelector alone means the policy's own namespace; with a namespaceSelector, the namespaces it selects.
  if (sameNamespaceOnly) return { kind: "list", peers: [{ podSelector }] };
  if (!peer.selector) return { kind: "list", peers: [{ namespaceSelector }] };
  return { kind: "list", peers: [{ ...(podTerms.length ? { podSelector } : {}), namespaceSelector }] };
}
