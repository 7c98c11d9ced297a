// Compile and render at scale: 1k / 10k / 100k workloads under 100 / 1,000 / 10,000 policies.
import { compile } from "../src/compile/index.js";
import { buildModel, type Model } from "../src/model/index.js";
import { renderChainRules, renderSets } from "../src/render/index.js";

/** `lastOnNode` puts the last workload on a given node (to measure one workload that comes or goes). */
export function syntheticModel(workloads: number, policies: number, nodes = 10, lastOnNode?: string, changedPolicy = false): Model {
  const docs = syntheticManifests(workloads, policies, nodes, lastOnNode, changedPolicy);
  const built = buildModel(docs.map((doc, index) => ({ file: "bench", index, doc })));
  if (!built.ok) throw new Error(JSON.stringify(built.issues.slice(0, 3)));
  return built.value;
}

/** The same model as manifests (for benches that send it to a server). */
export function syntheticManifests(workloads: number, policies: number, nodes = 10, lastOnNode?: string, changedPolicy = false): Record<string, unknown>[] {
  const docs: Record<string, unknown>[] = [{ apiVersion: "moat.dev/v1", kind: "Network", metadata: { name: "pods" }, spec: { subnets: ["10.0.0.0/8"], isolation: "network" } }];
  const apps = Math.max(1, policies);
  for (let i = 0; i < workloads; i++) {
    docs.push({
      apiVersion: "moat.dev/v1",
      kind: "Workload",
      metadata: { name: `w${i}`, labels: { app: `app${i % apps}`, tier: i % 3 === 0 ? "front" : "back" } },
      spec: { node: lastOnNode && i === workloads - 1 ? lastOnNode : `node${i % nodes}`, network: "pods", ips: [`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`], interface: `cali${i}`.slice(0, 15) },
    });
  }
  for (let p = 0; p < policies; p++) {
    docs.push({
      apiVersion: "moat.dev/v1",
      kind: "Policy",
      metadata: { name: `p${p}` },
      spec: {
        order: p,
        selector: `app == "app${p}"`,
        ingress: [
          { action: "Allow", protocol: "TCP", ports: [changedPolicy && p === 0 ? 81 : 80, "8000:8100"], from: { selector: `app == "app${(p + 1) % apps}" && tier == "front"` } },
          { action: "Deny", from: { cidrs: ["192.0.2.0/24"] } },
        ],
        egress: [{ action: "Allow", to: { selector: `app in {"app${(p + 2) % apps}", "app${(p + 3) % apps}"}` } }],
      },
    });
  }
  return docs;
}

export function benchCompile(): void {
  const sizes: [number, number][] = [
    [1_000, 100],
    [10_000, 1_000],
    [100_000, 10_000],
  ];
  for (const [workloads, policies] of sizes) {
    let t = performance.now();
    const model = syntheticModel(workloads, policies);
    const buildMs = performance.now() - t;
    t = performance.now();
    const plan = compile(model, "node0");
    const compileMs = performance.now() - t;
    t = performance.now();
    const rules = renderChainRules(plan, 4, "a");
    const sets = renderSets(plan);
    const renderMs = performance.now() - t;
    const members = sets.reduce((n, s) => n + s.members.length, 0);
    console.log(
      `compile ${workloads} workloads x ${policies} policies: validate ${(buildMs / 1000).toFixed(2)} s, compile ${(compileMs / 1000).toFixed(2)} s, render ${(renderMs / 1000).toFixed(2)} s; ` +
        `${rules.length} rules, ${plan.chains.length} chains, ${sets.length} sets, ${members} set members`,
    );
  }
}
