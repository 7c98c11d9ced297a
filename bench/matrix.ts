// `moat matrix` at the size issue 2 names: 300 workloads, 200 policies, 4 ports, every ordered pair.
// The same steps as the CLI: validate the documents, compute every probe, print them as JSON.
import { API_VERSION, buildModel, type Model } from "../src/model/index.js";
import { declaredPorts, matrix } from "../src/policy/index.js";

const BUDGET_S = 10;

/** A fixed pseudo-random sequence, so every run measures the same model. */
function sequence(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

export function matrixModel(workloads = 300, policies = 200, networks = 10): Model {
  const rand = sequence(2);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const isolations = ["none", "network", "workload"] as const;
  const tiers = ["web", "api", "db"] as const;
  const docs: unknown[] = [];
  for (let n = 0; n < networks; n++) {
    docs.push({ apiVersion: API_VERSION, kind: "Network", metadata: { name: `net-${n}` }, spec: { subnets: [`10.${n}.0.0/16`, `fd00:${n}::/64`], isolation: isolations[n % 3] } });
  }
  // Four declared ports in all: 80/TCP everywhere, 443/TCP, 5432/TCP and 53/UDP on some.
  const extraPorts = [
    { name: "https", port: 443, protocol: "TCP" },
    { name: "postgres", port: 5432, protocol: "TCP" },
    { name: "dns", port: 53, protocol: "UDP" },
  ];
  for (let i = 0; i < workloads; i++) {
    const n = i % networks;
    const labels = { app: `app-${i % 40}`, tier: tiers[i % 3]!, team: `team-${i % 7}`, ...(i % 5 ? { env: pick(["prod", "stage"]) } : {}) };
    const ports = [{ name: "http", port: 80 }, extraPorts[i % 3]!];
    const ips = [`10.${n}.${1 + (i >> 8)}.${i & 255}`, ...(i % 2 ? [`fd00:${n}::${i + 1}`] : [])];
    docs.push({ apiVersion: API_VERSION, kind: "Workload", metadata: { name: `w-${i}`, labels }, spec: { node: `node-${i % 12}`, network: `net-${n}`, ips, ports } });
  }
  for (let p = 0; p < policies; p++) {
    const app = () => `app-${Math.floor(rand() * 40)}`;
    const peers = [
      { selector: `app == "${app()}" || tier in {"web", "api"}` },
      { networks: [`net-${p % networks}`, `net-${(p + 3) % networks}`] },
      { cidrs: ["10.0.0.0/12"], notCidrs: [`10.${p % networks}.0.0/16`] },
      { sameLabels: ["team"] },
      { selector: `has(env) && env != "stage"`, networks: [`net-${(p + 1) % networks}`] },
    ];
    const rule = (peerKey: "from" | "to") => {
      const r: Record<string, unknown> = { action: pick(["Allow", "Allow", "Deny", "Pass", "Log"]) };
      if (rand() < 0.6) Object.assign(r, { protocol: "TCP", ports: pick([[80], ["http", 443], ["5000:6000", 5432]]) });
      if (rand() < 0.85) r[peerKey] = pick(peers);
      return r;
    };
    const rules = (peerKey: "from" | "to") => Array.from({ length: 1 + Math.floor(rand() * 4) }, () => rule(peerKey));
    const types = pick([["Ingress"], ["Egress"], ["Ingress", "Egress"]]);
    docs.push({
      apiVersion: API_VERSION,
      kind: "Policy",
      metadata: { name: `p-${p}` },
      spec: {
        order: Math.floor(rand() * 50),
        selector: pick([`app == "${app()}"`, `tier == "${pick(tiers)}" && team in {"team-1", "team-2"}`, `moat.dev/network == "net-${p % networks}"`, `!has(env)`]),
        types,
        ...(types.includes("Ingress") ? { ingress: rules("from") } : {}),
        ...(types.includes("Egress") ? { egress: rules("to") } : {}),
      },
    });
  }
  const built = buildModel(docs.map((doc, index) => ({ file: "bench", index, doc })));
  if (!built.ok) throw new Error(`bench model does not validate: ${JSON.stringify(built.issues.slice(0, 3))}`);
  return built.value;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export function benchMatrix(): void {
  let t = performance.now();
  const model = matrixModel();
  const buildMs = performance.now() - t;
  const ports = declaredPorts(model);
  t = performance.now();
  const probes = matrix(model, ports);
  const matrixMs = performance.now() - t;
  t = performance.now();
  const json = JSON.stringify({ probes });
  const printMs = performance.now() - t;
  const allowed = probes.filter((p) => p.allowed).length;
  const total = buildMs + matrixMs + printMs;
  console.log(`matrix ${model.workloads.length} workloads x ${model.policies.length} policies x ${ports.length} ports: ${probes.length} probes in ${seconds(matrixMs)}`);
  console.log(`  validate ${seconds(buildMs)}, JSON ${seconds(printMs)} (${(json.length / 1e6).toFixed(1)} MB); ${allowed} allowed; all steps ${seconds(total)} (budget ${BUDGET_S} s)`);
  if (total > BUDGET_S * 1000) throw new Error(`moat matrix took ${seconds(total)}, over its budget of ${BUDGET_S} s`);
}
