// High availability, with real parts: three etcd members, two moat servers on them, and two agents in
// lab nodes that know both servers. Faults: an etcd member killed during a stream of writes, a server
// replica killed, quorum lost and regained, every server gone. Each prints its figure.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanupLabs, createLab, labPrefix, requireKernelTools, type Lab } from "../../src/lab/index.js";
import { modelFrom } from "../kernel/harness.js";
import { startAgent, type AgentProcess } from "../support/agent-process.js";
import { startEtcd, type EtcdCluster } from "../support/etcd.js";
import { http, removeDir, startServer, type ServerProcess } from "../support/server-process.js";
import { expectKernelEqualsDecide, LAB_MANIFESTS, modelOf, NETWORK, policy, workload } from "../agent/fixture.js";

const TOKEN = "ha-admin-token-0123456789";
const NODES = ["n1", "n2"];
let etcd: EtcdCluster;
let servers: ServerProcess[] = [];
let lab: Lab;
let prefix: string;
let dir: string;
const agents: AgentProcess[] = [];
const figures: string[] = [];
let desired = NETWORK + ["client", "a", "b", "d"].map(workload).join("") + policy("web", ["a", "b"]);

const serverArgs = () => ["--store", "etcd", "--etcd-endpoints", etcd.endpoints.join(","), "--tokens", join(dir, "tokens.yaml")];
const write = (s: ServerProcess, text: string) => http(s.url, "/v1/apply", { token: TOKEN, body: text, type: "application/yaml" });
const alive = () => servers.filter((s) => s.child.exitCode === null && s.child.signalCode === null);

/** Waits until both nodes report the Plan the (surviving) servers expect; returns the ms it took. */
async function converged(timeoutMs = 20_000): Promise<number> {
  const start = Date.now();
  let last: unknown;
  while (Date.now() - start < timeoutMs) {
    for (const s of alive()) {
      const r = await http(s.url, "/v1/nodes", { token: TOKEN }).catch(() => undefined);
      if (r?.status !== 200) continue;
      last = r.body.items;
      if (NODES.every((n) => r.body.items.some((i: { node: string; inSync: boolean; revision: number }) => i.node === n && i.inSync && i.revision === r.body.revision))) return Date.now() - start;
    }
    await new Promise((res) => setTimeout(res, 25));
  }
  throw new Error(`nodes did not converge within ${timeoutMs} ms: ${JSON.stringify(last)}`);
}

beforeAll(async () => {
  await requireKernelTools();
  dir = mkdtempSync(join(tmpdir(), "moat-ha-"));
  writeFileSync(join(dir, "tokens.yaml"), `- {name: ops, role: admin, token: ${TOKEN}}\n`);
  etcd = await startEtcd(3);
  servers = [await startServer(serverArgs()), await startServer(serverArgs())];
  prefix = labPrefix();
  lab = await createLab(modelFrom(LAB_MANIFESTS), { prefix, timeoutMs: 800 });
  await lab.listenAll(80, "TCP");
  for (const node of NODES) {
    agents.push(await startAgent({ server: servers.map((s) => s.url).join(","), token: TOKEN, node, netns: lab.plan.nodes.find((n) => n.name === node)!.netns }));
  }
  expect((await write(servers[0]!, desired)).status).toBe(200);
  await converged();
}, 180_000);

afterAll(async () => {
  for (const a of agents) await a.kill();
  for (const s of servers) await s.kill();
  await lab?.destroy().catch(() => cleanupLabs(prefix));
  await etcd?.stop();
  for (const s of servers) removeDir(s.dataDir);
  for (const a of agents) removeDir(a.stateDir);
  if (dir) removeDir(dir);
  console.log(figures.join("\n"));
}, 60_000);

describe("high availability (etcd, two servers, two agents)", () => {
  it("1,000 writes while an etcd member is killed and restarted: every 200 is stored, in order", async () => {
    const acked: number[] = [];
    const latencies: number[] = [];
    let failed = 0;
    const victim = etcd.members[1]!;
    for (let i = 0; i < 1000; i++) {
      if (i === 300) await victim.kill();
      if (i === 650) await victim.start();
      const started = performance.now();
      const r = await write(servers[i % 2]!, `apiVersion: moat.dev/v1\nkind: Namespace\nmetadata: {name: stream, labels: {seq: "${i}"}}\n`).catch(() => undefined);
      latencies.push(performance.now() - started);
      if (r?.status === 200) acked.push(i);
      else failed++;
    }
    // The history from the start: the stream's label values in revision order.
    const events = await readHistory(servers[0]!);
    const seqs = events.filter((e) => e.kind === "Namespace" && e.object.metadata.name === "stream").map((e) => Number(e.object.metadata.labels.seq));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    for (const i of acked) expect(seqs).toContain(i);
    const sorted = [...latencies].sort((a, b) => a - b);
    figures.push(`etcd member killed at write 300, back at 650: ${acked.length}/1000 writes acknowledged (${failed} refused), longest write ${sorted.at(-1)!.toFixed(0)} ms, p50 ${sorted[500]!.toFixed(1)} ms, p99 ${sorted[990]!.toFixed(1)} ms`);
    expect(acked.length).toBeGreaterThanOrEqual(990);
    await converged();
    await expectKernelEqualsDecide(lab, modelOf(desired));
  }, 240_000);

  it("a server replica killed: agents move to the other one and enforce what is written there", async () => {
    const [first, second] = servers as [ServerProcess, ServerProcess];
    const killedAt = Date.now();
    await first.kill();
    desired = desired.replace(policy("web", ["a", "b"]), policy("web", ["a", "d"]));
    expect((await write(second, desired)).status).toBe(200);
    await converged();
    const switched = agents.map((a) => {
      const e = a.events().find((x) => x.msg === "watching" && x.server === second.url && Number(x.time) >= killedAt);
      return e ? Number(e.time) - killedAt : -1;
    });
    figures.push(`server replica killed: agents watching the survivor after ${switched.join(" / ")} ms`);
    for (const ms of switched) expect(ms).toBeGreaterThanOrEqual(0);
    expect(agents.every((a) => !a.events().some((e) => e.msg === "listed" && Number(e.time) >= killedAt))).toBe(true);
    await expectKernelEqualsDecide(lab, modelOf(desired));
    servers[0] = await first.restart();
    await converged();
  }, 120_000);

  it("quorum lost: writes are 503 naming the store, reads say they may be stale, agents keep enforcing; then all catches up", async () => {
    const [m0, m1] = etcd.members as [typeof etcd.members[0], typeof etcd.members[0]];
    await m0.kill();
    await m1.kill();
    const r = await write(servers[0]!, desired.replace(policy("web", ["a", "d"]), policy("web", ["b"])));
    expect(r.status).toBe(503);
    expect(r.body.error).toMatch(/store \(etcd at /);
    const read = await http(servers[1]!.url, "/v1/policies", { token: TOKEN });
    expect(read.status).toBe(200);
    expect(read.headers.get("warning") ?? "").toMatch(/^110 moat "may be stale: the store \(etcd at /);
    await expectKernelEqualsDecide(lab, modelOf(desired));
    await m0.start();
    await m1.start();
    const back = Date.now();
    let ok = false;
    while (!ok && Date.now() - back < 30_000) {
      desired = desired.replace(policy("web", ["a", "d"]), policy("web", ["b"]));
      ok = (await write(servers[0]!, desired)).status === 200;
      if (!ok) await new Promise((res) => setTimeout(res, 200));
    }
    expect(ok).toBe(true);
    figures.push(`quorum back: first write accepted ${Date.now() - back} ms after the members restarted; nodes converged in ${await converged()} ms`);
    await expectKernelEqualsDecide(lab, modelOf(desired));
  }, 120_000);

  it("an agent cut off from every server keeps enforcing, and converges when they are back", async () => {
    for (const s of servers) await s.kill();
    await new Promise((res) => setTimeout(res, 1000));
    await expectKernelEqualsDecide(lab, modelOf(desired));
    servers = [await servers[0]!.restart(), await servers[1]!.restart()];
    desired += workload("e");
    expect((await write(servers[1]!, desired)).status).toBe(200);
    figures.push(`every server gone and back: nodes converged ${await converged(30_000)} ms after the next write`);
    await expectKernelEqualsDecide(lab, modelOf(desired));
  }, 120_000);
});

/** Every event from revision 0, read from the watch stream until its first BOOKMARK after the history. */
async function readHistory(s: ServerProcess): Promise<any[]> {
  const ctl = new AbortController();
  const res = await fetch(`${s.url}/v1/watch?since=0`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: ctl.signal });
  const reader = res.body!.getReader();
  const events: any[] = [];
  let rest = "";
  const deadline = Date.now() + 20_000;
  try {
    while (Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
      const lines = rest.split("\n");
      rest = lines.pop()!;
      for (const l of lines.filter(Boolean)) {
        const e = JSON.parse(l);
        if (e.type === "BOOKMARK") return events;
        events.push(e);
      }
    }
  } finally {
    ctl.abort();
  }
  return events;
}
