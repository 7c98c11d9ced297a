// The overlay as the agents keep it: a real server, three `moat agent --overlay vxlan` processes (one per
// lab node, each told its underlay address), no route between the nodes but theirs. The agents report
// their underlay addresses, read each other's from GET /v1/nodes, build moat.vx and the routes, and then
// the apps of Cloud Foundry's example judge as decide says, with identity marks; a workload deleted from
// the store loses its routes on the other nodes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Lab } from "../../src/lab/index.js";
import type { Model } from "../../src/model/index.js";
import { allPairs, describeProbe } from "../kernel/harness.js";
import { converged, moatCli } from "../agent/fixture.js";
import { startAgent, type AgentProcess } from "../support/agent-process.js";
import { http, removeDir, startServer, type ServerProcess } from "../support/server-process.js";
import { createOverlayLab, overlayRoutes, underlaysOf } from "./lab-overlay.js";
import { exampleFiles, modelOf, OVERLAY_NODES, spreadDocs } from "./spread.js";
import { readFileSync } from "node:fs";

const FILE = "cloudfoundry-c2c.yaml";
const docs = spreadDocs(readFileSync(new URL(`../../examples/${FILE}`, import.meta.url), "utf8"), "mark", FILE);
const manifests = docs.map((d) => JSON.stringify(d)).join("\n---\n");

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const start = Date.now();
  for (let i = 0; i < 1000 && Date.now() - start < timeoutMs; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

describe("agents keep the VXLAN overlay from the store", () => {
  let lab: Lab;
  let model: Model;
  let server: ServerProcess | undefined;
  const agents: AgentProcess[] = [];
  let destroy: () => Promise<void> = async () => {};
  beforeAll(async () => {
    expect(exampleFiles()).toContain(FILE);
    ({ lab, model, destroy } = await createOverlayLab(modelOf(docs), undefined, false));
    server = await startServer();
    const applied = moatCli(server, ["apply", "-f", "-"], manifests);
    expect(applied.code, applied.err).toBe(0);
    const underlays = underlaysOf(lab);
    for (const n of lab.plan.nodes) {
      agents.push(await startAgent({ server: server.url, token: server.adminToken, node: n.name, netns: n.netns, args: ["--overlay", "vxlan", "--underlay-address", underlays.get(n.name)!, "--backend", "nftables"] }));
    }
    await converged(server, OVERLAY_NODES, 30_000);
    await lab.listenAll(8080, "TCP");
    // Agents learn a peer's underlay by polling GET /v1/nodes (every 2 s) once it has reported.
    for (const n of lab.plan.nodes) {
      const want = model.workloads.filter((w) => w.node !== n.name).map((w) => w.ips[0]!.text).sort();
      await until(`${n.name} routing ${want.join(", ")} over moat.vx`, async () => ((await overlayRoutes(lab, n.name)).join() === want.join() ? true : undefined), 30_000);
    }
  }, 90_000);
  afterAll(async () => {
    await Promise.allSettled(agents.map((a) => a.stop()));
    await server?.stop();
    if (server) removeDir(server.dataDir);
    await destroy();
  }, 30_000);

  it("each node reports its underlay address", async () => {
    const r = await http(server!.url, "/v1/nodes", { token: server!.adminToken });
    const underlays = underlaysOf(lab);
    expect(Object.fromEntries(r.body.items.map((i: { node: string; underlay?: string }) => [i.node, i.underlay]))).toEqual(Object.fromEntries(underlays));
  });

  it("the kernel judges every pair as decide does, over the routes the agents made", async () => {
    const expected = allPairs(model, [{ port: 8080, protocol: "TCP" }], [4]);
    expect(expected.filter((e) => e.allowed).length).toBeGreaterThan(0);
    const results = await lab.probeMany(expected);
    expect(expected.flatMap((e, i) => (results[i]!.connected === e.allowed ? [] : [describeProbe(e, results[i]!)]))).toEqual([]);
  }, 30_000);

  it("a workload deleted from the store loses its route on the other nodes", async () => {
    const gone = model.workloads.find((w) => w.id === "appB-1")!;
    const routeOn = async (node: string) => (await overlayRoutes(lab, node)).includes(gone.ips[0]!.text);
    const others = lab.plan.nodes.map((n) => n.name).filter((n) => n !== gone.node);
    expect(others.length).toBeGreaterThan(0);
    for (const node of others) expect(await routeOn(node), node).toBe(true);
    const r = moatCli(server!, ["delete", "workload", "appB-1"]);
    expect(r.code, r.err).toBe(0);
    // Each agent hears of the deletion on its own watch, so every other node
    // is waited for (until throws when one keeps the route); checking node-2
    // right after node-1 had dropped it raced node-2's agent.
    for (const node of others) {
      await until(`${node} dropping the route to appB-1`, async () => ((await routeOn(node)) ? undefined : true));
    }
  }, 30_000);
});
