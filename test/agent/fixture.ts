// The lab and manifests the agent tests share: two nodes, five workloads, a policy that changes.
import { spawnSync } from "node:child_process";
import { expect } from "vitest";
import type { Lab } from "../../src/lab/index.js";
import type { Model } from "../../src/model/index.js";
import { assembleModel, parseSources } from "../../src/service/index.js";
import { allPairs, describeProbe } from "../kernel/harness.js";
import { http, MOAT, ROOT, type ServerProcess } from "../support/server-process.js";

export const NETWORK = `apiVersion: moat.dev/v1
kind: Network
metadata: {name: net}
spec: {subnets: [10.80.0.0/16], isolation: workload}
`;

const WORKLOADS: Record<string, string> = {
  client: "{node: n1, network: net, ips: [10.80.0.1], interface: lw0}",
  a: "{node: n1, network: net, ips: [10.80.0.2], interface: lw1}",
  e: "{node: n1, network: net, ips: [10.80.0.6], interface: lw2}",
  b: "{node: n2, network: net, ips: [10.80.1.3], interface: lw3}",
  d: "{node: n2, network: net, ips: [10.80.1.5], interface: lw4}",
};

export const workload = (name: string) => `---\napiVersion: moat.dev/v1\nkind: Workload\nmetadata: {name: ${name}, labels: {app: ${name}}}\nspec: ${WORKLOADS[name]}\n`;

export const policy = (name: string, open: string[]) =>
  `---\napiVersion: moat.dev/v1\nkind: Policy\nmetadata: {name: ${name}}\nspec:\n  selector: app in {${open.map((a) => `"${a}"`).join(", ")}}\n  ingress: [{action: Allow, protocol: TCP, ports: [80], from: {selector: app == "client"}}]\n`;

/** Every workload the lab has namespaces for, whether the store holds it or not. */
export const LAB_MANIFESTS = NETWORK + Object.keys(WORKLOADS).map(workload).join("");

export const modelOf = (text: string): Model => assembleModel(parseSources([{ name: "test", text }]));

export const moatCli = (server: ServerProcess, args: string[], input?: string) => {
  const r = spawnSync(process.execPath, [MOAT, ...args, "--server", server.url, "--token", server.adminToken], { cwd: ROOT, input, encoding: "utf8", timeout: 20_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

/** Waits until every node of the model reports the Plan the server expects for it; returns the ms it took. */
export async function converged(server: ServerProcess, nodes: string[], timeoutMs = 15_000): Promise<number> {
  const start = Date.now();
  let last: unknown;
  while (Date.now() - start < timeoutMs) {
    const r = await http(server.url, "/v1/nodes", { token: server.adminToken }).catch(() => undefined);
    if (r?.status === 200) {
      last = r.body.items;
      const rows = nodes.map((n) => r.body.items.find((i: { node: string }) => i.node === n));
      if (rows.every((row) => row?.inSync && row.revision === r.body.revision)) return Date.now() - start;
    }
    await new Promise((res) => setTimeout(res, 25));
  }
  throw new Error(`nodes did not converge within ${timeoutMs} ms: ${JSON.stringify(last)}`);
}

/** Real TCP connections between every pair of stored workloads, each equal to decide on the stored model. */
export async function expectKernelEqualsDecide(lab: Lab, model: Model): Promise<number> {
  const expected = allPairs(model, [{ port: 80, protocol: "TCP" }], [4]);
  const results = await lab.probeMany(expected);
  const wrong = expected.flatMap((e, i) => (results[i]!.connected === e.allowed ? [] : [describeProbe(e, results[i]!)]));
  expect(wrong).toEqual([]);
  return expected.length;
}
