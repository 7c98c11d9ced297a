// moat-cni on one node of a three-node VXLAN lab, the others judging the new container: a container
// added on node-2 with waitFor "all" is reachable from node-1 exactly as its policies say the moment ADD
// returns (node-1 needs a route over moat.vx to it, which only node-1's agent makes). To show that ADD
// really waited for node-1, node-1's agent is paused (SIGSTOP) across each ADD: with waitFor "node" the
// ADD returns while node-1 knows nothing of the container yet, and with "all" only once node-1's agent,
// resumed, has enforced it. The server runs in node-1's namespace on its fabric address, so the agents
// (inside their nodes) and the plugin on node-2 reach it over the underlay. Both identity modes.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Lab } from "../../src/lab/index.js";
import { createOverlayLab, overlayRoutes, underlaysOf } from "../overlay/lab-overlay.js";
import { modelOf, OVERLAY_NODES, spreadDocs } from "../overlay/spread.js";
import { startAgent, type AgentProcess } from "../support/agent-process.js";
import { removeDir, startServer, type ServerProcess } from "../support/server-process.js";
import { addNetns, agentToken, api, cni, connects, listen, newPrefix, removeNetns, tokensYaml } from "./fixture.js";

const FILE = "cloudfoundry-c2c.yaml";
const TEXT = readFileSync(new URL(`../../examples/${FILE}`, import.meta.url), "utf8");
const APP_B = { "cloudfoundry.org/app-guid": "c7de6123-d906-4c65-9717-c5d040568c76", app: "appB" };
/** How long node-1's agent is paused across an ADD; ADD with waitFor "all" cannot return sooner. */
const PAUSE_MS = 1500;
const PREFIX = newPrefix("x");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Cluster {
  lab: Lab;
  server: ServerProcess;
  agents: Map<string, AgentProcess>;
  dir: string;
  destroy: () => Promise<void>;
}

async function startCluster(identity: "address" | "mark"): Promise<Cluster> {
  const docs = spreadDocs(TEXT, identity, FILE);
  const { lab, destroy: destroyLab } = await createOverlayLab(modelOf(docs), undefined, false);
  const agents = new Map<string, AgentProcess>();
  const dir = mkdtempSync(join(tmpdir(), "moat-cni-nodes-"));
  let server: ServerProcess | undefined;
  const destroy = async () => {
    await Promise.allSettled([...agents.values()].map((a) => a.kill()));
    await server?.kill();
    if (server) removeDir(server.dataDir);
    removeDir(dir);
    await destroyLab();
  };
  try {
    writeFileSync(join(dir, "tokens.yaml"), tokensYaml(OVERLAY_NODES));
    // What moat-cni on node-2 authenticates with: node-2's agent token.
    writeFileSync(join(dir, "node-2.token"), agentToken("node-2"), { mode: 0o600 });
    const n1 = lab.plan.nodes.find((n) => n.name === "node-1")!;
    // --insecure: the fabric is the lab's own private link between test namespaces.
    server = await startServer(["--tokens", join(dir, "tokens.yaml"), "--insecure"], { netns: n1.netns, listen: n1.fabric[4].ip });
    const applied = api(n1.netns, server.url, "POST", "/v1/apply", docs.map((d) => JSON.stringify(d)).join("\n---\n"));
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    const underlays = underlaysOf(lab);
    for (const n of lab.plan.nodes) {
      const args = ["--overlay", "vxlan", "--underlay-address", underlays.get(n.name)!, "--backend", "nftables"];
      agents.set(n.name, await startAgent({ server: server.url, token: agentToken(n.name), node: n.name, netns: n.netns, inside: true, args }));
    }
    // Every node enforcing the latest revision and routing the other nodes' workloads over moat.vx.
    const deadline = Date.now() + 40_000;
    for (;;) {
      const rows = api(n1.netns, server.url, "GET", "/v1/nodes").body.items as { node: string; inSync: boolean }[];
      let routed = true;
      for (const n of lab.plan.nodes) {
        const want = lab.plan.workloads.filter((w) => w.node !== n.name).map((w) => w.ips[0]!.text);
        const have = await overlayRoutes(lab, n.name);
        routed &&= want.every((ip) => have.includes(ip));
      }
      if (rows.length === 3 && rows.every((r) => r.inSync) && routed) break;
      if (Date.now() > deadline) throw new Error(`the agents did not converge within 40 s: ${JSON.stringify(rows)}\n${[...agents.values()].map((a) => a.logs().slice(-2000)).join("\n")}`);
      await sleep(200);
    }
  } catch (e) {
    await destroy();
    throw e;
  }
  return { lab, server: server!, agents, dir, destroy };
}

let containers = 0;
function container(): { ns: string; path: string; id: string } {
  const ns = `${PREFIX}c${++containers}`;
  addNetns(ns);
  return { ns, path: `/run/netns/${ns}`, id: `${containers}`.padStart(8, "0").padEnd(64, "b") };
}

afterAll(() => removeNetns(PREFIX));

describe.each(["mark", "address"] as const)("moat-cni on node-2 of three VXLAN nodes, identity %s", (identity) => {
  let cluster: Cluster | undefined;
  afterAll(async () => {
    await cluster?.destroy();
  }, 60_000);

  /** ADD of an appB container on node-2, as a runtime calls it; waitFor absent is the default ("node"). */
  async function addOnNode2(c: { path: string; id: string }, waitFor?: "node" | "all"): Promise<{ ms: number; ip: string }> {
    const { lab, server, dir } = cluster!;
    const n2 = lab.plan.nodes.find((n) => n.name === "node-2")!;
    const tokenFile = join(dir, "node-2.token");
    const config = { cniVersion: "1.0.0", name: "silk", type: "moat-cni", network: "silk", server: server.url, tokenFile, node: "node-2", timeoutMs: 20_000, labels: APP_B, ipam: { type: "moat" }, ...(waitFor ? { waitFor } : {}) };
    const r = await cni(n2.netns, { command: "ADD", containerId: c.id, netns: c.path, ifname: "eth0", args: "IgnoreUnknown=1" }, config);
    expect(r.code, r.out + r.err).toBe(0);
    return { ms: r.ms, ip: (r.json.ips[0].address as string).split("/")[0]! };
  }

  /** Runs fn with node-1's agent paused (SIGSTOP), resumed after PAUSE_MS or when fn ends, whichever is later. */
  async function withNode1Paused<T>(fn: (resume: () => void) => Promise<T>): Promise<T> {
    const child = cluster!.agents.get("node-1")!.child;
    child.kill("SIGSTOP");
    let resumed = false;
    const resume = () => {
      if (!resumed) child.kill("SIGCONT");
      resumed = true;
    };
    try {
      return await fn(resume);
    } finally {
      resume();
    }
  }

  it("waitFor all: ADD returns only once node-1 enforces the container, and then node-1's appA reaches it on 8080 and node-3's appB does not", async () => {
    cluster = await startCluster(identity);
    const { lab } = cluster;
    const nsOf = (id: string) => lab.plan.workloads.find((w) => w.id === id)!.netns;
    const c = container();
    const server = listen(c.ns, 8080);
    await server.up;
    try {
      const { ms, ip } = await withNode1Paused(async (resume) => {
        setTimeout(resume, PAUSE_MS);
        return addOnNode2(c, "all");
      });
      // No wait of any kind after ADD: it returned, so node-1 already routes to the container and judges it.
      const [fromA, fromB] = await Promise.all([connects(nsOf("appA-0"), ip, 8080), connects(nsOf("appB-1"), ip, 8080)]);
      expect({ ms: ms >= PAUSE_MS - 100, fromA, fromB }).toEqual({ ms: true, fromA: true, fromB: false });
    } finally {
      server.stop();
    }
  }, 120_000);

  it("waitFor node (the default): ADD returns while node-1's agent is still paused, before node-1 can reach the container", async () => {
    expect(cluster, "the cluster of the test before").toBeDefined();
    const { lab } = cluster!;
    const appA = lab.plan.workloads.find((w) => w.id === "appA-0")!.netns;
    const c = container();
    const server = listen(c.ns, 8080);
    await server.up;
    try {
      await withNode1Paused(async (resume) => {
        const { ip } = await addOnNode2(c);
        // node-1 has not heard of it: no route, so appA's connection fails although policy allows it.
        expect(await connects(appA, ip, 8080)).toBe(false);
        resume();
        // Once node-1's agent runs again it catches up, and the connection the policy allows opens.
        const deadline = Date.now() + 15_000;
        let open = false;
        while (!open && Date.now() < deadline) open = await connects(appA, ip, 8080);
        expect(open).toBe(true);
      });
    } finally {
      server.stop();
    }
  }, 120_000);
});
