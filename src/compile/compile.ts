// compile(model, node): the Plan that enforces the model on one node.
//
// Shape of the rules (all chains are moat's own; the forward hook enters "fwd" before other filters):
//   fwd        replies pass, invalid packets drop, spoofed sources drop (spoof); then a packet from a
//              local workload goes to "eg", one to a local workload to "in". Other traffic is not moat's.
//   eg         jumps, in policy order, to the chain of each egress policy that selects the source (pe-*).
//              A policy chain that decides ends the stage itself: Deny goes to deny, Allow and Pass go on
//              to "after-eg"; one that does not decide returns, and eg tries the next policy. After the
//              last: selected by some policy and undecided is a deny; selected by none goes to after-eg.
//   after-eg   a local destination goes on to "in"; any other is accepted (its own node checks ingress).
//   in, pi-*   the same for ingress; Allow accepts, Pass and "no policy applies" go to in-default, the
//              networks' isolation.
//   deny       REJECT (tcp-reset, or ICMP admin-prohibited) or DROP, as Settings say.
// Every stage ends in a verdict, so a policy chain never needs to know which policy comes next, and no
// path is deeper than eight chains: nf_tables refuses rule sets whose jumps and gotos nest deeper than 16
// ("Too many links"), which a chain per policy linked by gotos would reach with 15 policies.
// Rules name sets, never workloads, so their number grows with policies and rules; workloads change set
// members (on their own node they also add anti-spoofing rules).
import type { Model, Policy, Workload } from "../model/index.js";
import { NO_NODE, printSelector } from "../model/index.js";
import { identities, identitiesOf, OVERLAY_DEVICE } from "./identity.js";
import { lookup } from "../policy/index.js";
import { logPrefix, logVerdict, withDenyLogging } from "./log.js";
import { shortHash } from "./names.js";
import type { Chain, Match, Plan, PlanRule, SetMatch, Verdict } from "./plan.js";
import { localKey, ruleMatches, type IdentityScope, type RuleContext } from "./rules.js";
import { hostText, SetBook, workloadMembers, type Members } from "./sets.js";

const goto = (chain: string): Verdict => ({ kind: "goto", chain });
const DENY = goto("deny");
/** Router solicitation and advertisement, neighbour solicitation and advertisement. */
const NDP_TYPES = [133, 134, 135, 136];
/** VXLAN's port: a workload that could send VXLAN to a node could claim any identity. */
const VXLAN_PORT = 4789;

export function compile(model: Model, node: string): Plan {
  const sets = new SetBook();
  const l = lookup(model);
  const local = model.workloads.filter((w) => w.node === node);
  const bridgeOf = new Map(model.networks.map((n) => [n.name, n.bridge]));
  // With identities, a set that only ever holds the subject of a stage (local by construction: eg is
  // entered from local sources, in for local destinations) holds this node's workloads only, and peers
  // at ingress are matched by identity: a workload elsewhere with a known label set changes nothing here.
  const scope: IdentityScope | undefined =
    model.settings.identity === "mark"
      ? { local: (ws) => ws.filter((w) => w.node === node), ids: (ws) => identitiesOf(model, ws), unmarked: (ws) => ws.filter((w) => w.node === NO_NODE) }
      : undefined;
  const subjects = (ws: Workload[]) => (scope ? scope.local(ws) : ws);
  const scoped = (key: string) => (scope ? localKey(key) : key);

  const withIf = local.filter((w) => w.interface);
  const localAddr = sets.add("l", `addr/${node}`, "address", `workloads on node ${node}`, workloadMembers(local));
  const boundAddr = sets.add("l", `bound/${node}`, "address", `workloads on node ${node} with an interface`, workloadMembers(withIf));

  const selectedCache = new Map<Policy, Workload[]>();
  const selected = (p: Policy) => {
    let ws = selectedCache.get(p);
    if (!ws) selectedCache.set(p, (ws = [...l.select(p.selector)].filter((w) => p.namespace === undefined || p.namespace === w.namespace)));
    return ws;
  };
  const selectorSet = (p: Policy) =>
    sets.add("s", scoped(JSON.stringify({ selector: printSelector(p.selector.tree), namespace: p.namespace ?? null })), "address", `policy ${p.id} selects ${p.selector.text}`, workloadMembers(subjects(selected(p))));
  const union = (ps: Policy[]): Members => {
    const all = new Set(ps.flatMap(selected));
    return workloadMembers(subjects(model.workloads.filter((w) => all.has(w))));
  };
  // Named by the selectors it unites, so that a changed set of policies makes a new set rather than
  // changing the members of one the rules in force still use.
  const unionKey = (stage: string, ps: Policy[]) =>
    JSON.stringify({ stage, selectors: [...new Set(ps.map((p) => JSON.stringify([printSelector(p.selector.tree), p.namespace ?? null])))].sort() });

  const egressPolicies = model.policies.filter((p) => p.types.includes("Egress"));
  const ingressPolicies = model.policies.filter((p) => p.types.includes("Ingress"));
  const egressChains = stageChains(model, sets, "egress", egressPolicies, scope);
  const ingressChains = stageChains(model, sets, "ingress", ingressPolicies, scope);

  const src = (set: string): SetMatch => ({ set, dirs: ["src"] });
  const dst = (set: string): SetMatch => ({ set, dirs: ["dst"] });

  const fwd: Chain = {
    name: "fwd",
    rules: [
      { match: { ctstate: ["RELATED", "ESTABLISHED"] }, verdict: { kind: "accept" }, comment: "replies of allowed connections" },
      // Neighbour discovery between workloads on one bridge passes ip6tables too (bridge-nf-call-ip6tables)
      // and comes from link-local addresses; without it IPv6 on a bridge stops working altogether.
      ...NDP_TYPES.map((type): PlanRule => ({ match: { family: 6, protocol: "icmp", icmpv6Type: type }, verdict: { kind: "accept" }, comment: "IPv6 neighbour discovery" })),
      { match: { ctstate: ["INVALID"] }, verdict: { kind: "drop" }, comment: "invalid packets" },
      { match: {}, verdict: { kind: "jump", chain: "spoof" }, comment: "workload interfaces carry only the addresses of their workload" },
      ...(scope
        ? [
            { match: { protocol: "udp", dports: [{ start: VXLAN_PORT, end: VXLAN_PORT }], sets: [src(localAddr)] }, verdict: { kind: "drop" }, comment: "workloads send no VXLAN: it could claim any identity" } satisfies PlanRule,
            { match: {}, verdict: { kind: "jump", chain: "identity" }, comment: "a packet's identity is its source workload's, whatever mark it had" } satisfies PlanRule,
          ]
        : []),
      // After spoof, a local workload's address as source means the packet really comes from that workload.
      { match: { sets: [src(localAddr)] }, verdict: goto("eg"), comment: "egress of local workloads" },
      { match: { sets: [dst(localAddr)] }, verdict: goto("in"), comment: "ingress of local workloads" },
    ],
  };
  // Per local interface: its own addresses RETURN, anything else from it drops; then the address of a local
  // workload arriving through any other interface drops. Rules, not sets: ipset's hash:net,iface holds at
  // most 64 interfaces for one network, and its physdev: entries never match in FORWARD, so neither
  // "any source on this interface" nor a bridge port can be a set member.
  const spoof: Chain = {
    name: "spoof",
    rules: [
      ...[...withIf]
        .sort((a, b) => (a.interface! < b.interface! ? -1 : a.interface! > b.interface! ? 1 : 0))
        .flatMap((w): PlanRule[] => {
          const bridge = bridgeOf.get(w.network);
          const from: Match = bridge ? { physdevIn: w.interface!, bridge } : { inInterface: w.interface! };
          return [
            ...w.ips.map((ip): PlanRule => ({ match: { ...from, family: ip.family, srcAddr: hostText(ip) }, verdict: { kind: "return" }, comment: `${w.id}` })),
            { match: from, verdict: { kind: "drop" }, comment: `source address is not one of ${w.id}` },
          ];
        }),
      { match: { sets: [src(boundAddr)] }, verdict: { kind: "drop" }, comment: "address of a local workload from another interface" },
    ],
  };
  // After spoof, so the source address is the workload's own: its identity overwrites any mark it had.
  // Packets from the overlay keep the identity GBP carried; any other packet has none.
  const identityChain: Chain = {
    name: "identity",
    rules: scope
      ? [
          { match: { inInterface: OVERLAY_DEVICE }, verdict: { kind: "return" }, comment: "the identity the source node gave it" },
          { match: {}, verdict: { kind: "mark", identity: 0 }, comment: "no identity unless from a local workload" },
          ...local
            .flatMap((w) => w.ips.map((ip) => ({ ip: hostText(ip), family: ip.family, id: identities(model).get(w)!, who: w.id })))
            .sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0))
            .map((x): PlanRule => ({ match: { family: x.family, srcAddr: x.ip }, verdict: { kind: "mark", identity: x.id }, comment: `identity of ${x.who}` })),
        ]
      : [],
  };
  const dispatch = (stage: "egress" | "ingress", policies: Policy[], chains: Chain[]): PlanRule[] => {
    const dir = stage === "egress" ? src : dst;
    const selectedBySome = sets.add("u", unionKey(stage, policies), "address", `workloads some ${stage} policy selects`, union(policies));
    return [
      ...policies.map((p, i): PlanRule => ({ match: { sets: [dir(selectorSet(p))] }, verdict: { kind: "jump", chain: chains[i]!.name }, comment: `policy ${p.id}` })),
      { match: { sets: [dir(selectedBySome)] }, verdict: DENY, comment: `${stage} policies apply and none decided` },
      { match: {}, verdict: goto(stage === "egress" ? "after-eg" : "in-default"), comment: `no ${stage} policy applies` },
    ];
  };
  const eg: Chain = { name: "eg", rules: dispatch("egress", egressPolicies, egressChains) };
  const afterEg: Chain = {
    name: "after-eg",
    rules: [
      { match: { sets: [dst(localAddr)] }, verdict: goto("in"), comment: "egress allowed, destination on this node" },
      { match: {}, verdict: { kind: "accept" }, comment: "egress allowed, destination elsewhere" },
    ],
  };
  const inChain: Chain = { name: "in", rules: dispatch("ingress", ingressPolicies, ingressChains) };
  const inDefault: Chain = { name: "in-default", rules: [] };
  // By name, so that the order of the files does not change the rules.
  for (const n of [...model.networks].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (n.isolation === "none") continue;
    const inNetwork = model.workloads.filter((w) => w.network === n.name);
    const comment = `network ${n.name} isolation ${n.isolation}`;
    if (scope) {
      // The destination is local; the source is in the network by identity, or without one by address.
      const here = dst(sets.add("n", localKey(n.name), "address", `workloads of network ${n.name} on this node`, workloadMembers(scope.local(inNetwork))));
      if (n.isolation === "workload") inDefault.rules.push({ match: { sets: [here] }, verdict: DENY, comment });
      else {
        const unmarked = sets.add("n", `${n.name}\0unmarked`, "address", `workloads of network ${n.name} without identity`, workloadMembers(scope.unmarked(inNetwork)));
        inDefault.rules.push(
          { match: { sets: [here], identity: { values: [0, ...scope.ids(inNetwork)], negate: true } }, verdict: DENY, comment: `${comment}, source identity` },
          { match: { sets: [here, { ...src(unmarked), negate: true }], identity: { values: [0] } }, verdict: DENY, comment: `${comment}, source address` },
        );
      }
      continue;
    }
    const members = sets.add("n", n.name, "address", `workloads of network ${n.name}`, workloadMembers(inNetwork));
    const match = n.isolation === "network" ? { sets: [dst(members), { ...src(members), negate: true }] } : { sets: [dst(members)] };
    inDefault.rules.push({ match, verdict: DENY, comment });
  }
  inDefault.rules.push({ match: {}, verdict: { kind: "accept" }, comment: "network default allows" });

  const deny: Chain = {
    name: "deny",
    rules:
      model.settings.denyAction === "Drop"
        ? [{ match: {}, verdict: { kind: "drop" }, comment: "deny" }]
        : [
            { match: { protocol: "tcp" }, verdict: { kind: "reject", with: "tcp-reset" }, comment: "deny" },
            { match: {}, verdict: { kind: "reject", with: "admin-prohibited" }, comment: "deny" },
          ],
  };

  return {
    node,
    sets: sets.all(),
    chains: withDenyLogging([fwd, spoof, ...(scope ? [identityChain] : []), eg, ...egressChains, afterEg, inChain, ...ingressChains, inDefault, deny], model.settings),
    hooks: [{ hook: "forward", chain: "fwd", ...(model.settings.allowAction === "Return" ? { allow: "return" as const } : {}) }],
    bridged: local.some((w) => bridgeOf.get(w.network)),
    apply: { backend: model.settings.backend, revokeEstablished: model.settings.revokeEstablished },
  };
}

function stageChains(model: Model, sets: SetBook, stage: "egress" | "ingress", policies: Policy[], identity: IdentityScope | undefined): Chain[] {
  const tag = stage === "egress" ? "pe" : "pi";
  const ctx: RuleContext = { model, sets, subjectDir: stage === "egress" ? "src" : "dst", peerDir: stage === "egress" ? "dst" : "src", ...(identity ? { identity } : {}) };
  return policies.map((policy) => {
    const rules: PlanRule[] = [];
    const list = stage === "egress" ? policy.egress : policy.ingress;
    list.forEach((rule, index) => {
      const origin = { policy: policy.id, stage, rule: index };
      const comment = `${policy.id} ${stage} rule ${index} ${rule.action}`;
      const verdict: Verdict = rule.action === "Log" ? logVerdict(logPrefix("log", origin), model.settings) : actionVerdict(stage, rule.action);
      for (const match of ruleMatches(ctx, rule)) rules.push({ match, verdict, comment, origin });
    });
    return { name: `${tag}-${shortHash(`${stage}\0${policy.id}`)}`, rules };
  });
}

/** What a deciding rule does; the stage ends here (a rule that does not match lets the policy chain return). */
function actionVerdict(stage: "egress" | "ingress", action: "Allow" | "Deny" | "Pass"): Verdict {
  switch (action) {
    case "Allow":
      return stage === "egress" ? goto("after-eg") : { kind: "accept" };
    case "Deny":
      return DENY;
    case "Pass":
      return goto(stage === "egress" ? "after-eg" : "in-default");
  }
}
