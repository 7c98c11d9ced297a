// The reference semantics of DESIGN.md ("is a new connection from S to D allowed?"). Renderers,
// the simulator and the kernel are all checked against this, so it stays short and literal.
import { cidrContains, type Model, type Network, type Policy, type Rule, type Workload, type Peer } from "../model/index.js";
import { lookup, type Lookup } from "./lookup.js";
import { explain } from "./explain.js";
import type { Cause, Flow, LogHit, Stage, StageResult, Verdict } from "./verdict.js";

interface Endpoint {
  ip: Flow["src"];
  workload: Workload | undefined;
}

export function decide(model: Model, flow: Flow): Verdict {
  const l = lookup(model);
  const src: Endpoint = { ip: flow.src, workload: l.workloadAt(flow.src) };
  const dst: Endpoint = { ip: flow.dst, workload: l.workloadAt(flow.dst) };

  // Step 1: a workload talking to itself never leaves it.
  if (src.workload && src.workload === dst.workload) {
    return { allowed: true, reason: `allowed: ${src.workload.id} is talking to itself`, stages: [], logged: [] };
  }
  const logged: LogHit[] = [];
  const stages: StageResult[] = [];
  // Step 2, then step 3; the first stage that denies ends the walk.
  for (const stage of ["egress", "ingress"] as const) {
    const result = judgeStage(model, l, stage, src, dst, flow, logged);
    stages.push(result);
    if (!result.allowed) break;
  }
  const allowed = stages.every((s) => s.allowed);
  return { allowed, reason: explain(allowed, stages), stages, logged };
}

function judgeStage(model: Model, l: Lookup, stage: Stage, src: Endpoint, dst: Endpoint, flow: Flow, logged: LogHit[]): StageResult {
  const subject = stage === "egress" ? src.workload : dst.workload;
  const peer = stage === "egress" ? dst : src;
  if (!subject) return { stage, allowed: true, cause: { kind: "not-a-workload" } };

  const policies = l.policiesFor(subject, stage === "egress" ? "Egress" : "Ingress");
  const networkDefault = (cause: Cause): StageResult => {
    const network = model.networks.find((n) => n.name === subject.network)!;
    const allowed = stage === "egress" || isolationAllows(network, src.workload);
    return { stage, workload: subject.id, allowed, cause, network: network.name, isolation: network.isolation };
  };
  if (policies.length === 0) return networkDefault({ kind: "no-policy" });

  for (const policy of policies) {
    const rules = stage === "egress" ? policy.egress : policy.ingress;
    for (const [index, rule] of rules.entries()) {
      if (!ruleMatches(l, rule, subject, peer, dst.workload, flow)) continue;
      switch (rule.action) {
        case "Log":
          logged.push({ stage, policy: policy.id, rule: index });
          continue;
        case "Pass":
          return networkDefault({ kind: "pass", policy: policy.id, rule: index });
        case "Allow":
        case "Deny":
          return { stage, workload: subject.id, allowed: rule.action === "Allow", cause: { kind: "rule", policy: policy.id, rule: index, action: rule.action } };
      }
    }
  }
  return { stage, workload: subject.id, allowed: false, cause: { kind: "undecided", policies: policies.map((p: Policy) => p.id) } };
}

/** The network default at ingress: who may connect in when no policy decides. */
function isolationAllows(network: Network, from: Workload | undefined): boolean {
  switch (network.isolation) {
    case "none":
      return true;
    case "network":
      return from?.network === network.name;
    case "workload":
      return false;
  }
}

export function ruleMatches(l: Lookup, rule: Rule, subject: Workload, peer: Endpoint, dstWorkload: Workload | undefined, flow: Flow): boolean {
  if (rule.protocol && rule.protocol !== flow.protocol) return false;
  if (rule.ports) {
    const port = flow.port;
    if (port === undefined) return false;
    const hit = rule.ports.some((p) =>
      p.kind === "range"
        ? p.start <= port && port <= p.end
        : !!dstWorkload?.ports.some((np) => np.name === p.name && np.protocol === flow.protocol && np.port === port),
    );
    if (!hit) return false;
  }
  return !rule.peer || peerMatches(l, rule.peer, subject, peer);
}

/** Every field given must hold. Addresses match anyone; the other fields match only workloads. */
function peerMatches(l: Lookup, peer: Peer, subject: Workload, other: Endpoint): boolean {
  if (peer.cidrs && !peer.cidrs.some((c) => cidrContains(c, other.ip))) return false;
  if (peer.notCidrs && peer.notCidrs.some((c) => cidrContains(c, other.ip))) return false;
  const needsWorkload = peer.selector || peer.namespaceSelector || peer.networks || peer.sameLabels;
  if (!needsWorkload) return true;
  const w = other.workload;
  if (!w) return false;
  if (peer.selector && !l.matches(peer.selector, w)) return false;
  if (peer.namespaceSelector && (w.namespace === undefined || !l.namespaceMatches(peer.namespaceSelector, w.namespace))) return false;
  if (peer.networks && !peer.networks.includes(w.network)) return false;
  if (peer.sameLabels && !peer.sameLabels.every((k) => subject.labels[k] !== undefined && w.labels[k] === subject.labels[k])) return false;
  return true;
}
