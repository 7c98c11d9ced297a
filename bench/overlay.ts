// What one new workload costs the other nodes: rules and set members that change in their Plans when a
// workload with a label set that exists already starts on node1, with peers matched by address
// (Settings.identity address) and by identity mark (mark). Counted on the Plans (what each node's agent
// would apply), summed over the nine other nodes of a 10-node cluster; beside them, the VXLAN overlay's
// routes they add (one per address: the model has no per-node address blocks to aggregate).
import { compile, memberText, type Plan } from "../src/compile/index.js";
import { buildModel, type Model } from "../src/model/index.js";
import { desiredOverlay } from "../src/overlay/index.js";
import { syntheticManifests } from "./compile.js";

const NODES = 10;
const UNDERLAYS = new Map(Array.from({ length: NODES }, (_, n) => [`node${n}`, `192.0.2.${n + 1}`]));
const routeCount = (m: Model, node: string) => desiredOverlay(m, node, UNDERLAYS).routes.length;

function model(workloads: number, policies: number, identity: "address" | "mark", ingressOnly: boolean, newcomer: boolean): Model {
  const docs = syntheticManifests(workloads + (newcomer ? 1 : 0), policies, NODES, newcomer ? "node1" : undefined);
  if (ingressOnly) for (const d of docs) if (d.kind === "Policy") delete (d.spec as { egress?: unknown }).egress;
  docs.push({ apiVersion: "moat.dev/v1", kind: "Settings", metadata: { name: "default" }, spec: { identity } });
  const built = buildModel(docs.map((doc, index) => ({ file: "bench", index, doc })));
  if (!built.ok) throw new Error(JSON.stringify(built.issues.slice(0, 3)));
  return built.value;
}

/** Rules (as text, per chain) and set members (per set) in one Plan and not the other, both ways. */
export function planChanges(a: Plan, b: Plan): { rules: number; members: number } {
  const rulesOf = (p: Plan) => p.chains.flatMap((c) => c.rules.map((r) => `${c.name}\0${JSON.stringify(r)}`));
  const membersOf = (p: Plan) => p.sets.flatMap((s) => [...s.v4, ...s.v6].map((m) => `${s.name}\0${memberText(m)}`));
  // As multisets: a rule inserted in a chain is one change, not a shift of every rule after it.
  const count = (list: string[]) => list.reduce((m, e) => m.set(e, (m.get(e) ?? 0) + 1), new Map<string, number>());
  const diff = (x: string[], y: string[]) => {
    const [cx, cy] = [count(x), count(y)];
    let n = 0;
    for (const k of new Set([...cx.keys(), ...cy.keys()])) n += Math.abs((cx.get(k) ?? 0) - (cy.get(k) ?? 0));
    return n;
  };
  return { rules: diff(rulesOf(a), rulesOf(b)), members: diff(membersOf(a), membersOf(b)) };
}

export function benchOverlay(): void {
  const workloads = 1_000;
  const policies = 100;
  console.log(`overlay: one new workload (known label set) on node1 of ${NODES} nodes, ${workloads} workloads, ${policies} policies; changes on the other ${NODES - 1} nodes`);
  for (const ingressOnly of [false, true]) {
    for (const identity of ["address", "mark"] as const) {
      const before = model(workloads, policies, identity, ingressOnly, false);
      const after = model(workloads, policies, identity, ingressOnly, true);
      let rules = 0;
      let members = 0;
      let nodesTouched = 0;
      let routes = 0;
      for (let n = 0; n < NODES; n++) {
        if (n === 1) continue;
        const c = planChanges(compile(before, `node${n}`), compile(after, `node${n}`));
        rules += c.rules;
        members += c.members;
        if (c.rules || c.members) nodesTouched++;
        routes += routeCount(after, `node${n}`) - routeCount(before, `node${n}`);
      }
      const own = planChanges(compile(before, "node1"), compile(after, "node1"));
      console.log(
        `  ${ingressOnly ? "ingress policies only " : "ingress + egress      "} identity ${identity.padEnd(7)}: other nodes ${String(rules).padStart(3)} rules, ${String(members).padStart(4)} set members (${nodesTouched}/${NODES - 1} nodes touched), ${routes} overlay routes; its own node ${own.rules} rules, ${own.members} members`,
      );
    }
  }
}
