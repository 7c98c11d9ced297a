// One policy rule to the Plan rules that enforce it. A rule expands into several only where it has
// alternatives: port ranges beside named ports, and sameLabels groups.
import { printSelector, type Model, type Peer, type Protocol, type Rule, type Workload } from "../model/index.js";
import { lookup } from "../policy/index.js";
import { cidrMembers, hostText, workloadMembers, type SetBook } from "./sets.js";
import type { Direction, L4Protocol, Match, SetMatch } from "./plan.js";

/** moat protocol names as netfilter spells them. */
export const L4: Record<Protocol, L4Protocol> = { TCP: "tcp", UDP: "udp", SCTP: "sctp", ICMP: "icmp" };

export interface RuleContext {
  model: Model;
  sets: SetBook;
  /** Where the peer's address is in the packet: dst at egress, src at ingress. */
  peerDir: Direction;
  subjectDir: Direction;
  /** Settings.identity mark: subjects are local workloads only, and peers at ingress are matched by identity. */
  identity?: IdentityScope;
}

export interface IdentityScope {
  /** The workloads of this node among these (sets that only ever hold a subject need no others). */
  local: (ws: Workload[]) => Workload[];
  /** Their identities. */
  ids: (ws: Workload[]) => number[];
  /** Those whose packets carry no identity (on no node): still matched by address. */
  unmarked: (ws: Workload[]) => Workload[];
}

/** One alternative for the peer: set matches, and at ingress with identities, an identity match. */
interface PeerAlternative {
  sets: SetMatch[];
  identity?: Match["identity"];
}

/** A set key for the local-only twin of a set (with identities), so it never shares a name with the whole one. */
export const localKey = (key: string) => `${key}\0local`;

/** The alternative matches (OR) that together say "this rule matches". Empty: it can match nothing. */
export function ruleMatches(ctx: RuleContext, rule: Rule): Match[] {
  const base: Match = {};
  if (rule.protocol) base.protocol = L4[rule.protocol];
  const peerAlternatives: PeerAlternative[] = rule.peer ? peerMatches(ctx, rule.peer) : [{ sets: [] }];
  const portAlternatives = rule.ports ? portMatches(ctx, rule) : [{}];
  const out: Match[] = [];
  for (const ports of portAlternatives) {
    for (const peer of peerAlternatives) {
      const sets = [...(ports.sets ?? []), ...peer.sets];
      out.push({ ...base, ...(ports.dports ? { dports: ports.dports } : {}), ...(sets.length ? { sets } : {}), ...(peer.identity ? { identity: peer.identity } : {}) });
    }
  }
  return out;
}

function portMatches(ctx: RuleContext, rule: Rule): Pick<Match, "dports" | "sets">[] {
  const ranges = rule.ports!.flatMap((p) => (p.kind === "range" ? [{ start: p.start, end: p.end }] : []));
  const out: Pick<Match, "dports" | "sets">[] = ranges.length ? [{ dports: ranges }] : [];
  for (const p of rule.ports!) {
    if (p.kind !== "named") continue;
    const protocol = rule.protocol!;
    // At ingress the named port is the subject's: with identities only this node's workloads are needed.
    const scoped = ctx.identity && ctx.subjectDir === "dst";
    const owners = scoped ? ctx.identity!.local(ctx.model.workloads) : ctx.model.workloads;
    const members = owners.flatMap((w) =>
      w.ports.filter((np) => np.name === p.name && np.protocol === protocol).flatMap((np) => w.ips.map((ip) => ({ family: ip.family, member: { cidr: hostText(ip), protocol: L4[protocol], port: np.port } }))),
    );
    const set = ctx.sets.add("p", scoped ? localKey(`${p.name}/${protocol}`) : `${p.name}/${protocol}`, "address-port", `named port ${p.name}/${protocol}`, {
      v4: members.filter((m) => m.family === 4).map((m) => m.member),
      v6: members.filter((m) => m.family === 6).map((m) => m.member),
    });
    out.push({ sets: [{ set, dirs: ["dst", "dst"] }] });
  }
  return out;
}

/** Workloads that satisfy a peer's workload fields (selector, namespaceSelector, networks). */
function peerWorkloads(model: Model, peer: Peer): Workload[] {
  const l = lookup(model);
  const base = peer.selector ? [...l.select(peer.selector)] : model.workloads;
  return base.filter(
    (w) =>
      (!peer.namespaceSelector || (w.namespace !== undefined && l.namespaceMatches(peer.namespaceSelector, w.namespace))) &&
      (!peer.networks || peer.networks.includes(w.network)),
  );
}

function peerKey(peer: Peer): string {
  return JSON.stringify({
    selector: peer.selector && printSelector(peer.selector.tree),
    namespaceSelector: peer.namespaceSelector && printSelector(peer.namespaceSelector.tree),
    networks: peer.networks && [...peer.networks].sort(),
  });
}

function peerComment(peer: Peer): string {
  const parts: string[] = [];
  if (peer.selector) parts.push(`selector ${peer.selector.text}`);
  if (peer.namespaceSelector) parts.push(`namespaceSelector ${peer.namespaceSelector.text}`);
  if (peer.networks) parts.push(`networks ${peer.networks.join(",")}`);
  return parts.join(" and ");
}

/**
 * Workloads as the peer at ingress with identities: by identity when the packet has one, by address
 * (only workloads whose packets carry none) when it has none.
 */
function byIdentity(ctx: RuleContext, common: SetMatch[], ws: Workload[], key: string, comment: string): PeerAlternative[] {
  const scope = ctx.identity!;
  const ids = scope.ids(ws);
  const unmarked = ctx.sets.add("w", `${key}\0unmarked`, "address", `${comment} (without identity)`, workloadMembers(scope.unmarked(ws)));
  return [
    ...(ids.length ? [{ sets: common, identity: { values: ids } }] : []),
    { sets: [...common, { set: unmarked, dirs: [ctx.peerDir] }], identity: { values: [0] } },
  ];
}

/** The peer as alternatives of set matches: one alternative, or one per sameLabels group. */
function peerMatches(ctx: RuleContext, peer: Peer): PeerAlternative[] {
  const { sets, model, peerDir, subjectDir } = ctx;
  const marked = !!ctx.identity && peerDir === "src";
  const common: SetMatch[] = [];
  if (peer.cidrs) {
    const key = peer.cidrs.map((c) => c.text).sort().join(",");
    common.push({ set: sets.add("c", key, "address", `cidrs ${key}`, cidrMembers(peer.cidrs)), dirs: [peerDir] });
  }
  if (peer.notCidrs) {
    const key = peer.notCidrs.map((c) => c.text).sort().join(",");
    common.push({ set: sets.add("c", key, "address", `cidrs ${key}`, cidrMembers(peer.notCidrs)), dirs: [peerDir], negate: true });
  }
  const hasWorkloadFields = !!(peer.selector || peer.namespaceSelector || peer.networks);
  const candidates = hasWorkloadFields ? peerWorkloads(model, peer) : model.workloads;
  if (!peer.sameLabels) {
    if (hasWorkloadFields && marked) return byIdentity(ctx, common, candidates, peerKey(peer), peerComment(peer));
    if (hasWorkloadFields) {
      const members = workloadMembers(candidates);
      common.push({ set: sets.add("w", peerKey(peer), "address", peerComment(peer), members), dirs: [peerDir] });
    }
    return [{ sets: common }];
  }
  // sameLabels: one alternative per distinct value tuple of the keys; a workload lacking a key is in no group.
  const keys = peer.sameLabels;
  const isCandidate = new Set(candidates);
  const groups = new Map<string, Workload[]>();
  for (const w of model.workloads) {
    if (!keys.every((k) => w.labels[k] !== undefined)) continue;
    const value = JSON.stringify(keys.map((k) => w.labels[k]));
    let group = groups.get(value);
    if (!group) groups.set(value, (group = []));
    group.push(w);
  }
  const alternatives: PeerAlternative[] = [];
  for (const value of [...groups.keys()].sort()) {
    const members = groups.get(value)!;
    const label = keys.map((k, i) => `${k}=${JSON.parse(value)[i]}`).join(",");
    if (ctx.identity) {
      const subjectSet = sets.add("g", localKey(JSON.stringify({ keys, value })), "address", `same labels ${label} on this node`, workloadMembers(ctx.identity.local(members)));
      const subject: SetMatch = { set: subjectSet, dirs: [subjectDir] };
      const peers = hasWorkloadFields ? members.filter((w) => isCandidate.has(w)) : members;
      const peerText = hasWorkloadFields ? `same labels ${label} and ${peerComment(peer)}` : `same labels ${label}`;
      const peerKeyText = JSON.stringify({ keys, value, ...(hasWorkloadFields ? { peer: peerKey(peer) } : {}) });
      if (marked) alternatives.push(...byIdentity(ctx, [...common, subject], peers, peerKeyText, peerText));
      else alternatives.push({ sets: [...common, subject, { set: sets.add("g", peerKeyText, "address", peerText, workloadMembers(peers)), dirs: [peerDir] }] });
      continue;
    }
    const subjectSet = sets.add("g", JSON.stringify({ keys, value }), "address", `same labels ${label}`, workloadMembers(members));
    const peerSet = hasWorkloadFields
      ? sets.add("g", JSON.stringify({ keys, value, peer: peerKey(peer) }), "address", `same labels ${label} and ${peerComment(peer)}`, workloadMembers(members.filter((w) => isCandidate.has(w))))
      : subjectSet;
    alternatives.push({ sets: [...common, { set: subjectSet, dirs: [subjectDir] }, { set: peerSet, dirs: [peerDir] }] });
  }
  return alternatives;
}
