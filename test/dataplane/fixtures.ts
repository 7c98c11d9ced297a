// Models for the dataplane tests, and views of the fake kernel that the assertions compare.
import "../support/state-dirs.js";
import { compile, type Plan } from "../../src/compile/index.js";
import { rulesHash } from "../../src/dataplane/index.js";
import { hookRule, renderChainRules, renderSets, type Family, type Generation } from "../../src/render/index.js";
import type { FakeFlavor, FakeKernel } from "../support/fake-kernel.js";
import { model, network, policy, workload } from "../model/manifests.js";

const base = [
  network("front", ["10.1.0.0/16", "fd00:1::/64"], "network"),
  network("data", ["10.2.0.0/16"], "workload"),
  workload("web-1", { network: "front", ips: ["10.1.0.1", "fd00:1::1"], interface: "veth-web1", labels: { app: "web" } }),
  workload("web-2", { network: "front", ips: ["10.1.0.2"], node: "node-2", labels: { app: "web" } }),
  workload("db-1", { network: "data", ips: ["10.2.0.1"], interface: "veth-db1", labels: { app: "db" }, ports: [{ name: "pg", port: 5432 }] }),
  policy("web-to-db", { selector: 'app == "db"', ingress: [{ action: "Allow", protocol: "TCP", ports: ["pg"], from: { selector: 'app == "web"' } }] }),
];

/** The first model of node-1. */
export const planA: Plan = compile(model(...base), "node-1");

/**
 * A change of every kind: a new local workload (set members change), a new egress policy with a CIDR
 * peer (new chain, new sets), and network "data" no longer isolated (its member set goes away).
 */
export const planB: Plan = compile(
  model(
    ...base.map((d) => ((d as { metadata: { name: string } }).metadata.name === "data" ? network("data", ["10.2.0.0/16"]) : d)),
    workload("web-3", { network: "front", ips: ["10.1.0.3", "fd00:1::3"], interface: "veth-web3", labels: { app: "web" } }),
    policy("web-egress", { selector: 'app == "web"', types: ["Egress"], egress: [{ action: "Deny", to: { cidrs: ["192.0.2.0/24"] } }, { action: "Allow" }] }),
  ),
  "node-1",
);

/** A plan whose local workloads sit on a Linux bridge. */
export const bridgedPlan: Plan = compile(
  model(
    { ...network("lan", ["10.88.0.0/24"]), spec: { subnets: ["10.88.0.0/24"], bridge: "br0" } },
    workload("vm-1", { network: "lan", ips: ["10.88.0.11"], interface: "vnet1" }),
    workload("vm-2", { network: "lan", ips: ["10.88.0.12"], interface: "vnet2" }),
  ),
  "node-1",
);

/** What firewalld and Docker leave in the filter table: a zone chain reached by -g, DOCKER-USER, FORWARD rules. */
export function foreignRules(family: Family): string {
  const any = family === 4 ? "10.9.0.0/16" : "fd00:9::/64";
  return [
    "*filter",
    ":FORWARD DROP [0:0]",
    ":DOCKER-USER - [0:0]",
    ":FORWARD_IN_ZONES - [0:0]",
    ":FWDI_public - [0:0]",
    "-A FORWARD -j DOCKER-USER",
    "-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
    "-A FORWARD -j FORWARD_IN_ZONES",
    "-A DOCKER-USER -m comment --comment \"user's rules\" -j RETURN",
    "-A FORWARD_IN_ZONES -i eth0 -g FWDI_public",
    `-A FWDI_public -s ${any} -m set --match-set fw-allow-${family} src -j ACCEPT`,
    "-A FWDI_public -p tcp -m tcp --dport 22 -j ACCEPT",
    "-A FWDI_public -j DROP",
    "COMMIT",
    "",
  ].join("\n");
}

export function plantForeign(k: FakeKernel, flavor: FakeFlavor): void {
  k.plantSets("create fw-allow-4 hash:net family inet\nadd fw-allow-4 192.0.2.0/24\ncreate fw-allow-6 hash:net family inet6\n");
  k.plant(flavor, 4, foreignRules(4));
  k.plant(flavor, 6, foreignRules(6));
}

/** The save text without moat's lines: what moat must never touch. */
export const foreignView = (save: string) =>
  save
    .split("\n")
    .filter((l) => !l.includes("moat-"))
    .join("\n");

export interface FamilyView {
  forward: string[];
  chains: Record<string, string[]>;
}

/** moat's part of one family's table as read back from the fake: FORWARD, and every moat chain's rules. */
export function moatView(k: FakeKernel, flavor: FakeFlavor, family: Family): FamilyView {
  const lines = k.saveText(flavor, family).split("\n");
  const chains: Record<string, string[]> = {};
  for (const l of lines) {
    const decl = /^:(moat-\S+) /.exec(l);
    if (decl) chains[decl[1]!] = [];
  }
  for (const l of lines) {
    const rule = /^-A (moat-\S+) /.exec(l);
    if (rule) chains[rule[1]!]!.push(l);
  }
  return { forward: lines.filter((l) => l.startsWith("-A FORWARD ")), chains };
}

/** moat's part of a family as the Plan says it should be. */
export function expectedView(plan: Plan, family: Family, generation: Generation): { hook: string; chains: Record<string, string[]> } {
  const chains: Record<string, string[]> = {};
  for (const c of plan.chains) chains[`moat-${generation}-${c.name}`] = [];
  for (const line of renderChainRules(plan, family, generation)) chains[line.split(" ")[1]!]!.push(line);
  return { hook: hookRule(plan, generation, rulesHash(plan)), chains };
}

/** ipset prints host prefixes bare. */
const bare = (m: string) => {
  const [net, ...rest] = m.split(",");
  const host = net!.includes(":") ? /\/128$/ : /\/32$/;
  return [net!.replace(host, ""), ...rest].join(",");
};

/** The plan's sets as `ipset save` would list them: name -> sorted members. */
export function expectedSets(plan: Plan): Record<string, string[]> {
  return Object.fromEntries(renderSets(plan).map((s) => [s.name, s.members.map(bare).sort()]));
}

export function moatSets(k: FakeKernel): Record<string, string[]> {
  return Object.fromEntries(
    k
      .setNames()
      .filter((n) => n.startsWith("moat-"))
      .sort()
      .map((n) => [n, k.setMembers(n)!]),
  );
}

/** planA's model plus one more workload on another node: only set members differ on node-1. */
export const planAWithNewWorkload: Plan = compile(
  model(...base, workload("web-4", { network: "front", ips: ["10.1.0.4"], interface: "veth-web4", node: "node-2", labels: { app: "web" } })),
  "node-1",
);

/** For the tests of the iptables backend: auto would pick nftables on the fake host, whose nft works. */
export const ipt = { backend: "iptables" } as const;
