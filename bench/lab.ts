// The lab at the size of a kernel test: 3 nodes, 9 dual-stack workloads (6 routed, 3 on a bridge).
// Figures: creation time, a full 9x9 matrix on a TCP and a UDP port in both families with no rules
// (probes/s), and the same with everything dropped in FORWARD (bounded by the probe timeout).
// Needs root, like the kernel tests.
import { API_VERSION, buildModel, formatIssue } from "../src/model/index.js";
import { runOk } from "../src/dataplane/runner.js";
import { cleanupLabs, createLab, labPrefix, requireKernelTools, withLabInterfaces, type ProbeRequest } from "../src/lab/index.js";

const BUDGET_CREATE_MS = 10_000;
const BUDGET_MATRIX_MS = 10_000;

function labModel() {
  const docs: unknown[] = [
    { apiVersion: API_VERSION, kind: "Network", metadata: { name: "routed" }, spec: { subnets: ["10.71.0.0/16", "fd71::/64"] } },
    { apiVersion: API_VERSION, kind: "Network", metadata: { name: "flat" }, spec: { subnets: ["10.72.0.0/24", "fd72::/64"] } },
  ];
  for (let i = 0; i < 9; i++) {
    const network = i % 3 === 2 ? "flat" : "routed";
    const ips = network === "flat" ? [`10.72.0.${i + 1}`, `fd72::${i + 1}`] : [`10.71.${i}.1`, `fd71::${i + 1}`];
    docs.push({ apiVersion: API_VERSION, kind: "Workload", metadata: { name: `w${i}` }, spec: { node: `node-${i % 3}`, network, ips } });
  }
  const built = buildModel(docs.map((doc, index) => ({ file: "bench", index, doc })));
  if (!built.ok) throw new Error(built.issues.map(formatIssue).join("\n"));
  return withLabInterfaces(built.value);
}

export async function benchLab(): Promise<void> {
  await requireKernelTools();
  const prefix = labPrefix();
  const model = labModel();
  const lab = await createLab({ ...model, bridged: ["flat"] }, { prefix });
  try {
    console.log(`lab: ${lab.plan.nodes.length} nodes, ${lab.plan.workloads.length} workloads created in ${lab.createdInMs} ms (budget ${BUDGET_CREATE_MS} ms)`);
    await lab.listenAll(80, "TCP");
    await lab.listenAll(53, "UDP");
    const ids = lab.plan.workloads.map((w) => w.id);
    const list: ProbeRequest[] = ids.flatMap((from) =>
      ids.flatMap((to) => ([4, 6] as const).flatMap((family) => [
        { from, to, port: 80, protocol: "TCP" as const, family },
        { from, to, port: 53, protocol: "UDP" as const, family },
      ])),
    );
    const open = await timed(() => lab.probeMany(list));
    const failed = open.value.filter((r) => !r.connected).length;
    console.log(`lab: 9x9 matrix, 2 ports, IPv4+IPv6, no rules: ${list.length} probes in ${open.ms} ms (${rate(list.length, open.ms)} probes/s), ${failed} not connected`);
    for (const node of lab.plan.nodes) {
      for (const cmd of ["iptables", "ip6tables"]) await runOk(lab.nodeRunner(node.name), cmd, ["-I", "FORWARD", "-j", "DROP"]);
    }
    const dropped = await timed(() => lab.probeMany(list));
    const through = dropped.value.filter((r) => r.connected).length;
    console.log(`lab: same matrix, all FORWARD dropped (timeout 400 ms): ${dropped.ms} ms (${rate(list.length, dropped.ms)} probes/s), ${through} connected (to themselves)`);
    if (failed) throw new Error(`${failed} probes failed with no rules`);
    if (dropped.value.some((r) => r.connected !== (r.from === r.to))) throw new Error("a probe between two workloads got through FORWARD DROP");
    if (lab.createdInMs > BUDGET_CREATE_MS) throw new Error(`lab creation took ${lab.createdInMs} ms, over ${BUDGET_CREATE_MS} ms`);
    if (open.ms > BUDGET_MATRIX_MS || dropped.ms > BUDGET_MATRIX_MS) throw new Error(`a matrix took over ${BUDGET_MATRIX_MS} ms`);
  } finally {
    const destroyed = await timed(() => lab.destroy());
    console.log(`lab: destroyed in ${destroyed.ms} ms`);
    await cleanupLabs(prefix);
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: Math.round(performance.now() - started) };
}

function rate(n: number, ms: number): number {
  return Math.round((n * 1000) / Math.max(ms, 1));
}
