// Two real agents, one per lab node, fed by a real server: what is written through the API is what the
// kernel enforces, through changes and faults (server killed, agent restarted with the server down,
// rules removed by hand, a compacted watch).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processRunner } from "../../src/dataplane/index.js";
import { cleanupLabs, createLab, labPrefix, requireKernelTools, type Lab } from "../../src/lab/index.js";
import { modelFrom } from "../kernel/harness.js";
import { startAgent, type AgentProcess } from "../support/agent-process.js";
import { removeDir, startServer, type ServerProcess } from "../support/server-process.js";
import { converged, expectKernelEqualsDecide, LAB_MANIFESTS, modelOf, moatCli, NETWORK, policy, workload } from "./fixture.js";

let server: ServerProcess;
let lab: Lab;
let prefix: string;
const agents = new Map<string, AgentProcess>();
const NODES = ["n1", "n2"];
const netnsOf = (node: string) => lab.plan.nodes.find((n) => n.name === node)!.netns;
const figures: string[] = [];

// On iptables: these tests edit and read the kernel with iptables (auto would pick nftables here);
// the nftables agent meets hand edits and foreign firewalls in foreign-firewalls.test.ts.
const BACKEND = ["--backend", "iptables"];

async function startAgents(): Promise<void> {
  for (const node of NODES) agents.set(node, await startAgent({ server: server.url, token: server.adminToken, node, netns: netnsOf(node), args: node === "n1" ? [...BACKEND, "--metrics", "127.0.0.1:0"] : BACKEND }));
}

/** Writes through `moat apply --server`, waits for both nodes, and proves the kernel with real connections. */
async function write(text: string, what: string): Promise<void> {
  const r = moatCli(server, ["apply", "-f", "-"], text);
  expect(r.code, r.err).toBe(0);
  const ms = await converged(server, NODES);
  figures.push(`${what}: both nodes enforcing in ${ms} ms`);
  await expectKernelEqualsDecide(lab, modelOf(stored()));
}

let desired = "";
const stored = () => desired;

beforeAll(async () => {
  await requireKernelTools();
  prefix = labPrefix();
  lab = await createLab(modelFrom(LAB_MANIFESTS), { prefix, timeoutMs: 600 });
  await lab.listenAll(80, "TCP");
  server = await startServer();
  await startAgents();
}, 120_000);

afterAll(async () => {
  for (const a of agents.values()) await a.kill();
  await server?.kill();
  await lab?.destroy().catch(() => cleanupLabs(prefix));
  if (server) removeDir(server.dataDir);
  for (const a of agents.values()) removeDir(a.stateDir);
  console.log(figures.join("\n"));
}, 60_000);

describe("agents enforce what the API holds (kernel)", () => {
  it("a model written through moat apply --server, then a series of changes, each proven by real TCP", async () => {
    desired = NETWORK + workload("client") + workload("a") + workload("b") + workload("d") + policy("web", ["a", "b"]);
    await write(desired, "initial model");
    // The kernel's counters of each policy rule, scraped from n1's agent: the probes of client -> a went
    // through policy web's Allow rule on n1 (a is on n1).
    const metrics = await (await fetch(agents.get("n1")!.metricsUrl!)).text();
    const web = /^moat_rule_packets_total\{policy="web",rule="i0",action="Allow"\} (\d+)$/m.exec(metrics);
    expect(Number(web?.[1]), metrics.split("\n").filter((l) => l.startsWith("moat_rule")).join("\n")).toBeGreaterThan(0);
    expect(metrics).toMatch(/^moat_rule_bytes_total\{policy="web",rule="i0",action="Allow"\} [1-9]\d*$/m);
    desired += workload("e");
    await write(desired, "workload added");
    desired = desired.replace(policy("web", ["a", "b"]), policy("web", ["a", "d", "e"]));
    await write(desired, "policy changed");
    expect(moatCli(server, ["delete", "policy", "web"]).code).toBe(0);
    desired = desired.replace(policy("web", ["a", "d", "e"]), "");
    await converged(server, NODES);
    await expectKernelEqualsDecide(lab, modelOf(desired));
    expect(moatCli(server, ["delete", "workload", "e"]).code).toBe(0);
    desired = desired.replace(workload("e"), "");
    desired += policy("back", ["b", "d"]);
    await write(desired, "workload removed, another policy");
  });

  it("a write that changes no node's Plan touches nothing, and the nodes still report its revision", async () => {
    const applies = () => [...agents.values()].map((a) => a.events().filter((e) => e.msg === "applied").length);
    const before = applies();
    // A label no selector reads: every node's Plan stays the same.
    desired = desired.replace("{name: a, labels: {app: a}}", "{name: a, labels: {app: a, tier: web}}");
    expect(desired).toContain("tier: web");
    await write(desired, "label no selector reads");
    await new Promise((r) => setTimeout(r, 300));
    expect(applies()).toEqual(before);
  });

  it("puts back a FORWARD jump deleted and chains flushed by hand within a second", async () => {
    const runner = processRunner(netnsOf("n1"));
    const save = (await runner.run("iptables-save", ["-t", "filter"])).stdout;
    const jump = save.split("\n").find((l) => /^-A FORWARD .*-j moat-[ab]-fwd$/.test(l));
    expect(jump, save).toBeDefined();
    // The chains that hold rules (a policy chain may be empty by design).
    const chains = [...save.matchAll(/^:(moat-[ab]-\S+)/gm)].map((m) => m[1]!).filter((c) => save.includes(`-A ${c} `));
    const started = Date.now();
    await runner.run("iptables", ["-D", "FORWARD", ...splitRule(jump!.replace(/^-A FORWARD /, ""))]);
    for (const c of chains) await runner.run("iptables", ["-F", c]);
    // All traffic is open now; the agent must notice and restore.
    let restoredMs = -1;
    while (Date.now() - started < 5000) {
      // Restored as either generation: the jump first in FORWARD, and every chain of it filled again.
      const now = (await runner.run("iptables-save", ["-t", "filter"])).stdout;
      const first = now.split("\n").find((l) => l.startsWith("-A FORWARD "));
      const generation = /-j moat-([ab])-fwd$/.exec(first ?? "")?.[1];
      const filled = generation && chains.every((c) => now.includes(`-A ${c.replace(/^moat-[ab]-/, `moat-${generation}-`)} `));
      if (filled) {
        restoredMs = Date.now() - started;
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    figures.push(`FORWARD jump deleted and ${chains.length} chains flushed by hand: restored in ${restoredMs} ms`);
    expect(restoredMs).toBeGreaterThanOrEqual(0);
    // Issue 8's goal is a second (typically 300-600 ms here); the bound leaves room for a loaded CI machine.
    expect(restoredMs).toBeLessThan(2500);
    await expectKernelEqualsDecide(lab, modelOf(desired));
    // The kernel shows the rules a moment before the agent's apply returns and counts it.
    const restores = (text: string) => Number(/^moat_agent_restores_total (\d+)$/m.exec(text)?.[1]);
    let metrics = "";
    for (let i = 0; i < 40 && !(restores(metrics) >= 1); i++) {
      metrics = await (await fetch(agents.get("n1")!.metricsUrl!)).text();
      if (!(restores(metrics) >= 1)) await new Promise((r) => setTimeout(r, 50));
    }
    expect(restores(metrics)).toBeGreaterThanOrEqual(1);
    expect(Number(/^moat_agent_applies_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(5);
    expect(metrics).toMatch(/^moat_agent_apply_duration_seconds_count \d+$/m);
  });

  it("keeps enforcing when the server is killed, and catches up when it is back", async () => {
    await server.kill();
    await new Promise((r) => setTimeout(r, 500));
    await expectKernelEqualsDecide(lab, modelOf(desired));
    server = await server.restart();
    desired = desired.replace(policy("back", ["b", "d"]), policy("back", ["b"]));
    await write(desired, "after a server restart");
  });

  it("an agent restarted while the server is down applies its last Plan from disk before any contact", async () => {
    const n1 = agents.get("n1")!;
    await n1.kill();
    await server.kill();
    // A reboot: the node's kernel has lost moat's rules.
    expect((await processRunner(netnsOf("n1")).run(process.execPath, [`${process.cwd()}/bin/moat`, "reset"], {})).code).toBe(0);
    const restarted = await n1.start();
    agents.set("n1", restarted);
    const t0 = Date.now();
    while (!restarted.events().some((e) => e.msg === "applied" && e.why === "start") && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
    const first = restarted.events().findIndex((e) => e.msg === "applied" && e.why === "start");
    expect(first).toBeGreaterThanOrEqual(0);
    expect(restarted.events().slice(0, first).some((e) => e.msg === "listed")).toBe(false);
    await expectKernelEqualsDecide(lab, modelOf(desired));
    server = await server.restart();
    await converged(server, NODES);
  });

  it("lists again when its watch revision was compacted (410)", async () => {
    const n2 = agents.get("n2")!;
    n2.child.kill("SIGSTOP");
    try {
      // The server keeps 1 revision of history; three writes while n2 sleeps, then a restart drops its stream.
      await server.kill();
      server = await startServer(["--history", "1"], { dataDir: server.dataDir, port: Number(new URL(server.url).port) });
      for (const open of [["a"], ["b"], ["b", "d"]]) {
        desired = desired.replace(/---\napiVersion: moat.dev\/v1\nkind: Policy\nmetadata: \{name: back\}[\s\S]*?from: \{selector: app == "client"\}\}\]\n/, policy("back", open));
        expect(moatCli(server, ["apply", "-f", "-"], desired).code).toBe(0);
      }
    } finally {
      n2.child.kill("SIGCONT");
    }
    await converged(server, NODES);
    expect(n2.events().some((e) => typeof e.msg === "string" && e.msg.includes("410"))).toBe(true);
    await expectKernelEqualsDecide(lab, modelOf(desired));
  });
});

/** An iptables-save rule line back into arguments (quoted comments stay whole). */
function splitRule(rule: string): string[] {
  return [...rule.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : m[2]!));
}
