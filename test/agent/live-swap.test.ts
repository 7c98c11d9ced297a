// Live change under load: 500 policy swaps written through the API while probes run without pause
// between two nodes' workloads. Every answer must be one of the two policies' verdicts, never a third
// (a gap where both deny is open, or a half-applied state where both allow is refused).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanupLabs, createLab, labPrefix, requireKernelTools, type Lab } from "../../src/lab/index.js";
import { decide, pairAddresses } from "../../src/policy/index.js";
import { modelFrom } from "../kernel/harness.js";
import { startAgent, type AgentProcess } from "../support/agent-process.js";
import { http, removeDir, startServer, type ServerProcess } from "../support/server-process.js";
import { converged, LAB_MANIFESTS, modelOf, NETWORK, policy, workload } from "./fixture.js";

const SWAPS = 500;
const BASE = NETWORK + ["client", "a", "e", "b", "d"].map(workload).join("");
// X opens a and e (both on n1); Y opens a and b (b on n2). Both open a; neither opens d.
const X = policy("open", ["a", "e"]);
const Y = policy("open", ["a", "b"]);
const TARGETS = ["a", "b", "d", "e"];

let server: ServerProcess;
let lab: Lab;
let prefix: string;
const agents: AgentProcess[] = [];

beforeAll(async () => {
  await requireKernelTools();
  prefix = labPrefix();
  lab = await createLab(modelFrom(LAB_MANIFESTS), { prefix, timeoutMs: 1500 });
  await lab.listenAll(80, "TCP");
  server = await startServer();
  for (const node of ["n1", "n2"]) agents.push(await startAgent({ server: server.url, token: server.adminToken, node, netns: lab.plan.nodes.find((n) => n.name === node)!.netns }));
}, 120_000);

afterAll(async () => {
  for (const a of agents) await a.kill();
  await server?.kill();
  await lab?.destroy().catch(() => cleanupLabs(prefix));
  if (server) removeDir(server.dataDir);
  for (const a of agents) removeDir(a.stateDir);
}, 60_000);

describe("live change under load (kernel, agents)", () => {
  it(`${SWAPS} policy swaps through the API while probes run: every answer is one of the two policies' verdicts`, async () => {
    const verdict = (text: string, to: string) => {
      const m = modelOf(text);
      const [src, dst] = pairAddresses(m.workloads.find((w) => w.id === "client")!, m.workloads.find((w) => w.id === to)!)!;
      return decide(m, { src, dst, protocol: "TCP", port: 80 }).allowed;
    };
    const allowedBy = new Map(TARGETS.map((t) => [t, new Set([verdict(BASE + X, t), verdict(BASE + Y, t)])]));
    expect([...allowedBy.get("a")!]).toEqual([true]);
    expect([...allowedBy.get("d")!]).toEqual([false]);
    expect(allowedBy.get("b")!.size).toBe(2);
    expect(allowedBy.get("e")!.size).toBe(2);

    const T = server.adminToken;
    const write = (text: string) => http(server.url, "/v1/apply", { token: T, body: text, type: "application/yaml" });
    expect((await write(BASE + X)).status).toBe(200);
    await converged(server, ["n1", "n2"]);

    let swapping = true;
    const wrong: string[] = [];
    let probes = 0;
    const prober = (async () => {
      while (swapping) {
        const results = await lab.probeMany(TARGETS.map((to) => ({ from: "client", to, port: 80, protocol: "TCP" as const })));
        for (const r of results) {
          probes++;
          if (!allowedBy.get(r.to)!.has(r.connected)) wrong.push(`client -> ${r.to}: ${r.outcome} ${r.detail}`);
        }
      }
    })();
    const appliesBefore = agents.map((a) => a.events().filter((e) => e.msg === "applied").length);
    const started = performance.now();
    const appliesNow = () => agents.map((a, i) => a.events().filter((e) => e.msg === "applied").length - appliesBefore[i]!);
    let swaps = 0;
    try {
      // At least SWAPS writes; then on (bounded) until each node's kernel has really changed 10 times
      // while the probes ran: bursts are coalesced, and a loaded machine applies fewer of them.
      const until = Date.now() + 120_000;
      while (swaps < SWAPS || (appliesNow().some((n) => n < 10) && Date.now() < until)) {
        const r = await write(BASE + (swaps % 2 === 0 ? Y : X));
        expect(r.status).toBe(200);
        swaps++;
        await new Promise((resolve) => setTimeout(resolve, 15));
      }
      // End on X, the state the final check expects.
      if (swaps % 2 === 1) {
        expect((await write(BASE + X)).status).toBe(200);
        swaps++;
      }
    } finally {
      swapping = false;
      await prober;
    }
    const seconds = (performance.now() - started) / 1000;
    // The last write was X; once both nodes enforce it, the kernel must say exactly X.
    await converged(server, ["n1", "n2"]);
    const final = await lab.probeMany(TARGETS.map((to) => ({ from: "client", to, port: 80, protocol: "TCP" as const })));
    expect(Object.fromEntries(final.map((r) => [r.to, r.connected]))).toEqual(Object.fromEntries(TARGETS.map((t) => [t, verdict(BASE + X, t)])));
    const applies = appliesNow();
    console.log(`live change under load: ${swaps} API swaps in ${seconds.toFixed(1)} s, kernel applies per node ${applies.join("/")}, ${probes} probes, ${wrong.length} outside the two policies' verdicts`);
    // Bursts are coalesced, but the kernel must really have changed many times while probes ran.
    for (const n of applies) expect(n).toBeGreaterThanOrEqual(10);
    expect(probes).toBeGreaterThan(400);
    expect(wrong).toEqual([]);
  }, 600_000);
});
