// Other firewalls on a node, for real: a firewalld started and reloaded in a lab node's namespace (each
// start and --reload flushes every iptables rule and deletes foreign chains, moat's among them), and a
// dockerd started there (FORWARD policy DROP, DOCKER-USER put first). The node's real `moat agent` must put
// moat back (its jump first in FORWARD, its chains filled), and real TCP connections must equal decide
// afterwards, and a connection moat denies that slipped through the gap must be cut. How long moat's rules
// were missing is measured and printed (not asserted). An it.fails test pins what moat does not keep yet:
// its allow does not end the host's filtering in another nft table (firewalld's own zones); Docker's
// FORWARD DROP with moat on nftables is met by moat's mark-accepting rule in iptables' FORWARD. Every
// daemon started here is stopped in `finally` and again in afterAll (SIGTERM, then SIGKILL, then a sweep
// of the node's namespace), and the lab's namespaces removed.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processRunner, type Runner } from "../../src/dataplane/index.js";
import { cleanupLabs, createLab, labPrefix, requireKernelTools, type Lab } from "../../src/lab/index.js";
import { allPairs, describeProbe, modelFrom } from "../kernel/harness.js";
import { startAgent, type AgentProcess } from "../support/agent-process.js";
import { removeDir, startServer, type ServerProcess } from "../support/server-process.js";
import { dockerApi, startDockerd } from "./dockerd.js";
import { startFirewalld } from "./firewalld.js";
import { requireForeignTools, sleep, sweepNamespace } from "./foreign-daemon.js";
import { converged, expectKernelEqualsDecide, LAB_MANIFESTS, modelOf, moatCli, NETWORK, policy, workload } from "./fixture.js";
import { describeGaps, gapsOf, holds, moatShape, watchRules, type MoatShape, type Sample } from "./moat-rules-watch.js";

const NODES = ["n1", "n2"];
// client -> a (same node) and client -> b (across nodes) are allowed, every other pair is denied, so the
// probes see both moat's accept and its reject on both nodes.
const DESIRED = NETWORK + ["client", "a", "e", "b", "d"].map(workload).join("") + policy("web", ["a", "b"]);
const DAEMONS = ["firewalld", "dbus-daemon", "dockerd", "containerd"];

let server: ServerProcess;
let lab: Lab;
let prefix: string;
let dir: string;
const agents = new Map<string, AgentProcess>();
/** moat's rules on each node as the agent put them there first (see moat-rules-watch.ts). */
const shapes = new Map<string, MoatShape>();
const netnsOf = (node: string) => lab.plan.nodes.find((n) => n.name === node)!.netns;
const figures: string[] = [];
/** Every daemon started, stopped again in afterAll if a test left it running. */
const running = new Set<{ name: string; stop: () => Promise<string> }>();

const restores = (a: AgentProcess) => a.events().filter((e) => e.msg === "the kernel had changed from outside; restored").length;
const agentLog = (node: string) => agents.get(node)!.logs().split("\n").slice(-25).join("\n");

/** Waits until the node's iptables-save (filter) matches: the foreign program has written its rules. */
async function waitRules(runner: Runner, pattern: RegExp, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let save = "";
  while (Date.now() < deadline) {
    save = (await runner.run("iptables-save", ["-t", "filter"])).stdout;
    if (pattern.test(save)) return;
    await sleep(50);
  }
  throw new Error(`${what}: no ${pattern} in the node's rules within ${timeoutMs} ms:\n${save}`);
}

/** Waits until moat's rules are in place again (after a daemon stopped, which may flush once more). */
async function waitHolds(runner: Runner, shape: MoatShape, node: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = { ok: false, why: "" };
  while (Date.now() < deadline) {
    last = await holds(runner, shape);
    if (last.ok) return;
    await sleep(50);
  }
  throw new Error(`moat's rules not back in ${node} within ${timeoutMs} ms: ${last.why}\nagent log:\n${agentLog(node)}`);
}

/** What the agent logged about its applies since t0: when (ms after t0), why, and how long the kernel took. */
function agentApplies(node: string, t0: number): string {
  const lines = agents
    .get(node)!
    .events()
    .filter((e) => typeof e.time === "number" && (e.time as number) >= t0 && (e.why === "restore" || e.msg === "the kernel had changed from outside; restored" || e.level === 50));
  const at = (e: Record<string, unknown>) => (e.time as number) - t0;
  return lines
    .flatMap((e) => {
      if (e.why === "restore") return [`kernel write ${e.ms} ms`];
      if (!e.drift) return [`error at +${at(e)} ms: ${String(e.msg)} ${String(e.err ?? "")}`];
      const drift = e.drift as string[];
      return [`drift seen at +${at(e) - (e.ms as number)} ms (${drift.slice(0, 2).join("; ")}${drift.length > 2 ? `; ${drift.length - 2} more` : ""}), restored at +${at(e)} ms`];
    })
    .join(", ");
}

// Speed is not asserted here (a goal belongs in bench/, and this machine is shared): the figure line says
// whether the 1 s the issue asks for was met; what is asserted is that moat came back and enforces.
/** The figure line of one event, and the checks every event shares: every gap closed, moat's rules hold at the end. */
function judge(what: string, all: Sample[], node: string, t0: number, extra = ""): void {
  const samples = all.filter((s) => !s.unreadable);
  const unreadable = all.length - samples.length;
  const gaps = gapsOf(samples);
  const closed = gaps.filter((g) => g.to !== null);
  const backMs = gaps.length ? (gaps[gaps.length - 1]!.to ?? -1) : 0;
  const longestGap = Math.max(0, ...closed.map((g) => g.to! - g.from));
  const spacing = all.length > 1 ? Math.round(all[all.length - 1]!.t / (all.length - 1)) : 0;
  figures.push(`${what}: moat's rules back ${backMs} ms after it began, missing for ${longestGap} ms at most (goal 1000 ms: ${longestGap < 1000 ? "met" : "MISSED"}; a sample every ${spacing} ms${unreadable ? `, ${unreadable} unreadable while the tables were rewritten` : ""}); gaps: ${describeGaps(gaps)}${extra}; agent: ${agentApplies(node, t0) || "no restore logged"}`);
  expect(samples.length, "the watch took no sample").toBeGreaterThan(0);
  expect(samples[samples.length - 1]!.ok, `moat's rules not back after ${what}: ${samples[samples.length - 1]!.why}\nagent log:\n${agentLog(node)}`).toBe(true);
  expect(gaps.every((g) => g.to !== null)).toBe(true);
}

/**
 * The promise of an it.fails test: real connections equal decide. Prints which differ today, so the
 * output says the gap is the one named (a different failure would show here too).
 */
async function knownGap(what: string): Promise<void> {
  const expected = allPairs(modelOf(DESIRED), [{ port: 80, protocol: "TCP" }], [4]);
  const results = await lab.probeMany(expected);
  const wrong = expected.flatMap((e, i) => (results[i]!.connected === e.allowed ? [] : [describeProbe(e, results[i]!)]));
  figures.push(`KNOWN GAP ${what}: ${wrong.length} of ${expected.length} connections differ from decide${wrong.length ? `: ${wrong.join("; ")}` : " (closed: turn the it.fails into it)"}`);
  expect(wrong).toEqual([]);
}

// Echo server on e:7000, and a client in "client" that tries to connect every ~30 ms; once connected it
// sends a byte every 50 ms and notes each echo. client -> e is denied (e is selected by no policy and its
// network isolates workloads), and both are on n1: only a gap in n1's rules lets it connect.
// The server ends 2 s after the last byte it got (at most 20 s after it began).
const ECHO = `let last = 0; require("net").createServer((s) => s.on("data", (d) => { last = Date.now(); s.write(d); }).on("error", () => {})).listen(7000, "0.0.0.0");
setInterval(() => last && Date.now() - last > 2000 && process.exit(0), 100); setTimeout(() => process.exit(0), 20000);`;
// It ends once no echo came for 1.5 s while it kept sending (the connection is cut), or after ms.
// (Written to stdout at the end: the runner gives the output when the process exits.)
const HOLD = (ms: number) => `const net = require("net"); const out = { connectedAt: 0, echoes: [], cut: false }; const end = Date.now() + ${ms};
const done = () => { console.log(JSON.stringify(out)); process.exit(0); };
const attempt = () => {
  if (Date.now() > end) return done();
  const s = net.connect(7000, "10.80.0.6"); s.setTimeout(300);
  const again = () => { s.destroy(); if (!out.connectedAt) setTimeout(attempt, 30); };
  s.on("connect", () => {
    out.connectedAt = Date.now(); s.setTimeout(0); s.removeAllListeners("error"); s.on("error", () => {});
    setInterval(() => { s.write("x"); const last = out.echoes[out.echoes.length - 1] || out.connectedAt; if (Date.now() - last > 1500) { out.cut = true; done(); } }, 50);
    s.on("data", () => out.echoes.push(Date.now()));
  });
  s.on("error", again); s.on("timeout", again);
};
setTimeout(done, ${ms}); attempt();`;

/**
 * A connection moat denies, opened while a reload left the node without moat's rules, must not outlive
 * the restore: its conntrack entry would let it pass as ESTABLISHED. The agent is held (SIGSTOP) across
 * the reload so that the gap lasts until the connection is up, whatever the machine's load; then it
 * resumes, restores, and must cut the connection (revoking its conntrack entry).
 */
async function deniedThroughGap(node: string, firewallCmd: (args: string[]) => Promise<{ code: number | null; out: string; ms: number }>): Promise<void> {
  const agent = agents.get(node)!;
  const runner = processRunner(netnsOf(node));
  const server = lab.workloadRunner("e").run(process.execPath, ["-e", ECHO]);
  await sleep(300);
  let client: Promise<{ stdout: string }> | undefined;
  let resumedAt = 0;
  agent.child.kill("SIGSTOP");
  try {
    const r = await firewallCmd(["--reload"]);
    expect(r.code, r.out).toBe(0);
    expect((await holds(runner, shapes.get(node)!)).ok, "firewall-cmd --reload left moat's rules in place").toBe(false);
    client = lab.workloadRunner("client").run(process.execPath, ["-e", HOLD(15_000)]);
    const deadline = Date.now() + 8000;
    while (!/ESTABLISHED/.test((await runner.run("conntrack", ["-L", "-p", "tcp", "-d", "10.80.0.6", "--dport", "7000"])).stdout)) {
      if (Date.now() > deadline) throw new Error("client -> e:7000 did not connect while moat's rules were gone");
      await sleep(50);
    }
  } finally {
    agent.child.kill("SIGCONT");
    resumedAt = Date.now();
  }
  const held = JSON.parse((await client!).stdout) as { connectedAt: number; echoes: number[]; cut: boolean };
  await server.catch(() => undefined);
  const restoredAt = agent.events().filter((e) => e.msg === "the kernel had changed from outside; restored" && (e.time as number) >= resumedAt).map((e) => e.time as number)[0] ?? 0;
  const last = held.echoes.length ? Math.max(...held.echoes) : 0;
  figures.push(
    `a denied connection (client -> e:7000) opened while the agent was held across a reload: ${held.echoes.length} echoes; the agent, resumed, restored ${restoredAt ? `${restoredAt - resumedAt} ms later` : "never"}; the last echo came ${last - resumedAt} ms after the resume${held.cut ? ", then the connection carried nothing" : ", and it was never cut"}`,
  );
  expect(held.connectedAt).toBeGreaterThan(0);
  expect(held.connectedAt).toBeLessThan(resumedAt);
  expect(restoredAt, agentLog(node)).toBeGreaterThan(0);
  // The connection stopped carrying data (the client gives up after 15 s otherwise), by the restore.
  expect(held.cut, `echoes went on until ${last - resumedAt} ms after the resume`).toBe(true);
  expect(last).toBeLessThan(restoredAt + 1000);
}

beforeAll(async () => {
  await requireKernelTools();
  requireForeignTools();
  dir = mkdtempSync(join(tmpdir(), "moat-foreign-"));
  prefix = labPrefix();
  lab = await createLab(modelFrom(LAB_MANIFESTS), { prefix, timeoutMs: 600 });
  await lab.listenAll(80, "TCP");
  server = await startServer();
  for (const node of NODES) agents.set(node, await startAgent({ server: server.url, token: server.adminToken, node, netns: netnsOf(node), args: ["--backend", "iptables"] }));
  const r = moatCli(server, ["apply", "-f", "-"], DESIRED);
  expect(r.code, r.err).toBe(0);
  await converged(server, NODES);
  await expectKernelEqualsDecide(lab, modelOf(DESIRED));
  for (const node of NODES) shapes.set(node, await moatShape(processRunner(netnsOf(node))));
}, 120_000);

afterAll(async () => {
  for (const d of running) figures.push(`afterAll stopped ${d.name}: ${await d.stop().catch((e: Error) => e.message)}`);
  if (lab) for (const node of NODES) for (const left of sweepNamespace(netnsOf(node), DAEMONS)) figures.push(`afterAll killed a leftover ${left} in ${node}`);
  for (const a of agents.values()) await a.kill();
  await server?.kill();
  await lab?.destroy().catch(() => cleanupLabs(prefix));
  if (server) removeDir(server.dataDir);
  for (const a of agents.values()) removeDir(a.stateDir);
  if (dir) removeDir(dir);
  console.log(figures.join("\n"));
}, 60_000);

describe("the agent keeps isolation when another firewall takes the node (kernel, real firewalld and dockerd)", () => {
  // A start and a reload each (~5 s apiece here); with the nftables backend (firewalld's default) one
  // more reload, through which a connection moat denies is opened and must be cut when moat is back.
  for (const [backend, heldReload] of [["nftables", true], ["iptables", false]] as const) {
    it(`firewalld (${backend} backend) started and reloaded in node n1: the agent puts moat back first each time, probes equal decide`, async () => {
      const node = "n1";
      const runner = processRunner(netnsOf(node));
      const shape = shapes.get(node)!;
      // An earlier test that failed half-way may have left a flush behind: start from moat's rules in place.
      await waitHolds(runner, shape, node);
      const agent = agents.get(node)!;
      const before = restores(agent);
      const handle = { name: `firewalld ${backend}`, stop: async () => "not started" };
      running.add(handle);
      try {
        let watch = watchRules(runner, shape);
        const fw = await startFirewalld(netnsOf(node), backend, join(dir, `firewalld-${backend}`), (stop) => (handle.stop = stop));
        if (backend === "iptables") await waitRules(runner, /^-A FORWARD .*-j FORWARD_direct/m, `firewalld ${backend}`);
        let samples = await watch.settle(800);
        judge(`firewalld ${backend} start (running after ${fw.readyMs} ms)`, samples, node, watch.t0);
        // firewalld really took the node: its own rules are in the kernel next to moat's.
        const kernel = (await runner.run("sh", ["-c", "iptables-save; nft list tables"])).stdout;
        if (backend === "nftables") expect(kernel).toContain("table inet firewalld");
        else expect(kernel).toMatch(/^-A FORWARD .*-j FORWARD_direct/m);
        // Its start flushed moat's rules (the premise): the agent saw it and restored (the watch may see the
        // gap too, unless the agent was quicker than one sample).
        expect(restores(agent), `the agent restored nothing: firewalld ${backend} did not flush moat's rules?\n${agentLog(node)}`).toBeGreaterThan(before);
        await expectKernelEqualsDecide(lab, modelOf(DESIRED));

        const count = restores(agent);
        watch = watchRules(runner, shape);
        const r = await fw.firewallCmd(["--reload"]);
        expect(r.code, `firewall-cmd --reload: ${r.out}\n${fw.logs()}`).toBe(0);
        samples = await watch.settle(800);
        judge(`firewalld ${backend} --reload (firewall-cmd returned after ${r.ms} ms)`, samples, node, watch.t0);
        expect(restores(agent), `the agent restored nothing: firewall-cmd --reload did not flush moat's rules?\n${agentLog(node)}`).toBeGreaterThan(count);
        await expectKernelEqualsDecide(lab, modelOf(DESIRED));
        if (heldReload) {
          await deniedThroughGap(node, fw.firewallCmd);
          await expectKernelEqualsDecide(lab, modelOf(DESIRED));
        }
      } finally {
        const stopping = Date.now();
        const how = await handle.stop();
        running.delete(handle);
        figures.push(`firewalld ${backend} stopped in ${Date.now() - stopping} ms: ${how}`);
      }
      // firewalld cleans up on exit (CleanupOnExit=yes): one more flush, which the agent repairs too.
      await waitHolds(runner, shape, node);
      await expectKernelEqualsDecide(lab, modelOf(DESIRED));
    }, 90_000);
  }

  // firewalld as shipped (DefaultZone=public) with its nftables backend: its filter_FORWARD, a base chain
  // of table inet firewalld after moat's (iptables-nft's table ip filter), rejects forwarded traffic of the
  // default zone. moat's ACCEPT ends only its own table's chain, so a connection moat allows is still
  // refused by firewalld. DESIGN.md says an allow (allowAction Accept, the default) "ends the host's
  // forward filtering"; with firewalld's default backend it cannot. Three steps: start (asserted), the
  // promise (it.fails: expected to fail until moat handles it, red once it does), stop (asserted).
  const shipped = { name: "firewalld nftables, shipped zone", stop: async () => "not started" };
  it("firewalld (nftables backend) in its shipped default zone started in n1: the agent restores moat", async () => {
    const node = "n1";
    const runner = processRunner(netnsOf(node));
    await waitHolds(runner, shapes.get(node)!, node);
    const before = restores(agents.get(node)!);
    running.add(shipped);
    const fw = await startFirewalld(netnsOf(node), "nftables", join(dir, "firewalld-shipped"), (stop) => (shipped.stop = stop), { shippedZone: true });
    expect((await fw.firewallCmd(["--get-default-zone"])).out).not.toBe("trusted");
    const t0 = Date.now();
    while (restores(agents.get(node)!) === before && Date.now() - t0 < 10_000) await sleep(50);
    await waitHolds(runner, shapes.get(node)!, node);
    expect(restores(agents.get(node)!)).toBeGreaterThan(before);
  }, 60_000);

  it.fails("KNOWN GAP: with firewalld (nftables) in its shipped zone, the connections moat allows through n1 still connect", async () => {
    await knownGap("firewalld nftables in its shipped zone");
  }, 30_000);

  it("firewalld (shipped zone) stopped: moat back in n1, probes equal decide", async () => {
    const node = "n1";
    figures.push(`firewalld nftables (shipped zone) stopped: ${await shipped.stop()}`);
    running.delete(shipped);
    await waitHolds(processRunner(netnsOf(node)), shapes.get(node)!, node);
    await expectKernelEqualsDecide(lab, modelOf(DESIRED));
  }, 60_000);

  it("dockerd started in node n2 (FORWARD policy DROP, DOCKER-USER first), then a docker network created: moat's jump first again, allowed traffic still flows", async () => {
    const node = "n2";
    const runner = processRunner(netnsOf(node));
    const shape = shapes.get(node)!;
    await waitHolds(runner, shape, node);
    const agent = agents.get(node)!;
    const before = restores(agent);
    const handle = { name: "dockerd", stop: async () => "not started" };
    running.add(handle);
    try {
      // Docker sets FORWARD's policy to DROP when it turns IPv4 forwarding on itself, as on a fresh host.
      // The lab's nodes forward already, so n2 stops forwarding just before dockerd starts (nothing is
      // probed meanwhile); dockerd turns it on again.
      expect((await runner.run("sysctl", ["-qw", "net.ipv4.ip_forward=0"])).code).toBe(0);
      let watch = watchRules(runner, shape);
      const dk = await startDockerd(netnsOf(node), join(dir, "docker"), (stop) => (handle.stop = stop));
      // Docker may arrange FORWARD just after its API answers.
      await waitRules(runner, /^-A FORWARD -j DOCKER-USER$/m, `dockerd\n${dk.logs()}`);
      let samples = await watch.settle(800);
      let save = (await runner.run("iptables-save", ["-t", "filter"])).stdout;
      expect(save, dk.logs()).toMatch(/^:FORWARD DROP/m);
      expect(save).toMatch(/^-A FORWARD -j DOCKER-USER$/m);
      expect((await runner.run("sysctl", ["-n", "net.ipv4.ip_forward"])).stdout.trim()).toBe("1");
      // Docker put its DOCKER-USER jump at the head of FORWARD, ahead of moat's (the premise)...
      expect(restores(agent), `the agent restored nothing: dockerd did not move moat's jump?\n${save}\n${agentLog(node)}`).toBeGreaterThan(before);
      judge(`dockerd start (answering after ${dk.readyMs} ms)`, samples, node, watch.t0);
      // ...and the agent put moat's back ahead of it.
      expect(save.split("\n").find((l) => l.startsWith("-A FORWARD "))).toMatch(/-j moat-[ab]-fwd$/);
      // Under FORWARD policy DROP, moat's allowed connections (client -> a, client -> b) still connect:
      // moat's allow is an ACCEPT that ends FORWARD, and its denies still refuse.
      await expectKernelEqualsDecide(lab, modelOf(DESIRED));

      // A docker network created: Docker arranges DOCKER-USER first again and adds its own FORWARD rules.
      watch = watchRules(runner, shape);
      const created = await dockerApi(join(dk.dir, "docker.sock"), "POST", "/networks/create", { Name: "moattest", Driver: "bridge", IPAM: { Config: [{ Subnet: "192.168.237.0/24" }] } });
      expect(created.status, created.body).toBe(201);
      await waitRules(runner, /^-A FORWARD -j DOCKER-ISOLATION-STAGE-1$/m, "docker network create");
      samples = await watch.settle(800);
      save = (await runner.run("iptables-save", ["-t", "filter"])).stdout;
      expect(save).toMatch(/^-A FORWARD -j DOCKER-ISOLATION-STAGE-1$/m);
      judge("docker network create", samples, node, watch.t0, gapsOf(samples).length ? "" : " (Docker left moat's jump first)");
      expect(save.split("\n").find((l) => l.startsWith("-A FORWARD "))).toMatch(/-j moat-[ab]-fwd$/);
      await expectKernelEqualsDecide(lab, modelOf(DESIRED));
    } finally {
      const stopping = Date.now();
      const how = await handle.stop();
      running.delete(handle);
      figures.push(`dockerd stopped in ${Date.now() - stopping} ms: ${how}`);
    }
    // Docker leaves its chains and FORWARD DROP behind when it stops; moat still enforces.
    await waitHolds(runner, shape, node);
    await expectKernelEqualsDecide(lab, modelOf(DESIRED));
    expect((await runner.run("iptables-save", ["-t", "filter"])).stdout).toMatch(/^:FORWARD DROP/m);
  }, 90_000);

  // moat's nftables backend (not yet the default) on the same node, under the FORWARD policy DROP Docker
  // left: moat's rules live in a base chain of its own table, and an nft accept ends only that chain, so
  // the packet still meets iptables-nft's FORWARD (table ip filter, policy DROP) afterwards. DESIGN.md says
  // an allow (Settings allowAction Accept, the default) ends the host's forward filtering: moat puts one
  // rule first in that FORWARD, accepting the mark its base chain gives what it allows.
  it("with the agent switched to --backend nftables, n2 enforces from table inet moat-a and Docker's FORWARD DROP is still there", async () => {
    const node = "n2";
    const old = agents.get(node)!;
    await old.kill();
    agents.set(node, await startAgent({ server: server.url, token: server.adminToken, node, netns: netnsOf(node), stateDir: old.stateDir, args: ["--backend", "nftables"] }));
    await converged(server, NODES);
    const runner = processRunner(netnsOf(node));
    expect((await runner.run("nft", ["list", "table", "inet", "moat-a"])).code, agentLog(node)).toBe(0);
    const save = (await runner.run("iptables-save", ["-t", "filter"])).stdout;
    expect(save).toMatch(/^:FORWARD DROP/m);
    // Of moat, iptables holds only the rule that accepts what moat's nft rules allowed (marked), first.
    expect(save.split("\n").find((l) => l.startsWith("-A FORWARD "))).toBe("-A FORWARD -m mark --mark 0x1000000/0x1000000 -m comment --comment moat-nft-allow -j ACCEPT");
    expect(save.replace(/^.*moat-nft-allow.*$/m, "")).not.toContain("moat-");
  }, 60_000);

  // allowAction Accept on nftables: moat's base chain marks what it allows and moat's rule at the head
  // of iptables' FORWARD accepts the mark, so Docker's policy DROP does not drop it (before that rule the
  // allowed connection into n2, client -> b, timed out); the denied ones are still refused.
  it("with --backend nftables, moat's allowed traffic still connects under Docker's FORWARD policy DROP", async () => {
    await expectKernelEqualsDecide(lab, modelOf(DESIRED));
  }, 30_000);
});
