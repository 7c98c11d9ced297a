// `moat lab up`, `probe` and `down` as a user runs them (real processes, real namespaces): the real
// connections equal decide, a policy written through the API shows in the next probe, a kernel that
// stops enforcing is caught (exit 1), and down leaves nothing after the server and agents are killed -9.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireKernelTools } from "../../src/lab/index.js";
import { matrixAnswer, assembleModel, parseSources } from "../../src/service/index.js";
import { processRunner } from "../../src/dataplane/index.js";
import { http } from "../support/server-process.js";
import { alive, forceDown, LAB_DIR, labName, moat, namespacesOf, pidsOf, stateOf } from "./support.js";

const NETWORK = `apiVersion: moat.dev/v1
kind: Network
metadata: {name: net}
spec: {subnets: [10.81.0.0/16, "fd81::/64"], isolation: workload}
`;
// No spec.node: `--nodes 2` spreads them (a, c on node-1; b, d on node-2). a, b, c are attached
// through moat-cni; d, dual-stack, by the lab itself (the plugin attaches one IPv4 address).
const WORKLOADS = ["a", "b", "c", "d"]
  .map((n, i) => `---\napiVersion: moat.dev/v1\nkind: Workload\nmetadata: {name: ${n}, labels: {app: ${n}}}\nspec: {network: net, ips: [10.81.0.${i + 1}${n === "d" ? ', "fd81::4"' : ""}], ports: [{name: http, port: 80}]}\n`)
  .join("");
const policy = (from: string[], udp: boolean) =>
  `---\napiVersion: moat.dev/v1\nkind: Policy\nmetadata: {name: to-b}\nspec:\n  selector: app == "b"\n  ingress:\n    - {action: Allow, protocol: TCP, ports: [80], from: {selector: 'app in {${from.map((f) => `"${f}"`).join(", ")}}'}}\n${udp ? `    - {action: Allow, protocol: UDP, ports: [9000], from: {selector: app == "a"}}\n` : ""}`;
const FIRST = NETWORK + WORKLOADS + policy(["c"], false);
const CHANGED = NETWORK + WORKLOADS + policy(["a", "c"], true);
const PORTS = [{ port: 80, protocol: "TCP" as const }, { port: 9000, protocol: "UDP" as const }];

type Cell = { from: string; to: string; port: number | null; protocol: string; allowed: boolean; declared: boolean };
const key = (p: { from: string; to: string; port: number | null; protocol: string }) => `${p.protocol}/${p.port} ${p.from}->${p.to}`;
const decided = (text: string) => Object.fromEntries(matrixAnswer(assembleModel(parseSources([{ name: "t", text }])), PORTS).probes.map((p) => [key(p), p.allowed]));
const real = (cells: Cell[]) => Object.fromEntries(cells.map((p) => [key(p), p.allowed]));

const name = labName();
let pids: number[] = [];

beforeAll(async () => {
  await requireKernelTools();
  writeFileSync(join(LAB_DIR, "first.yaml"), FIRST);
}, 30_000);

afterAll(async () => {
  await forceDown(name, pids);
}, 60_000);

describe("moat lab (real processes and namespaces)", () => {
  it("up builds nodes, server, agents and listeners; probe -o json equals decide; a change through the API shows in the next probe; a kernel that stops enforcing is exit 1", async () => {
    const up = moat(["lab", "up", "-f", join(LAB_DIR, "first.yaml"), "--nodes", "2", "--port", "9000/udp", "--name", name]);
    pids = pidsOf(name);
    expect(up.code, up.err).toBe(0);
    expect(up.err).toMatch(/2 nodes, 4 workloads, ports 9000\/udp 80\/tcp/);
    expect(up.err).toMatch(/3 attached through moat-cni ADD/);
    expect(up.err).toMatch(/1 attached by the lab itself: d \(moat-cni attaches one IPv4 address\)/);
    expect(up.err).toMatch(/every agent enforces the store's latest revision/);
    const state = stateOf(name);
    expect(Object.keys(state.nodes).sort()).toEqual(["node-1", "node-2"]);
    expect((await namespacesOf(name)).length).toBe(1 + 2 + 4);
    // The plugin adopted the declared Workloads: its host veth and annotations, the declared labels and ports kept.
    const stored = await http(state.server!.url, "/v1/workloads", { token: readFileSync(state.server!.tokenFile, "utf8").trim() });
    type StoredWorkload = { metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec: { interface?: string; ips?: string[]; ports?: unknown[] } };
    const byName = Object.fromEntries((stored.body.items as StoredWorkload[]).map((w) => [w.metadata.name, w]));
    for (const n of ["a", "b", "c"]) {
      expect(byName[n]!.spec.interface, n).toMatch(/^mc[0-9a-f]{12}$/);
      expect(byName[n]!.metadata.annotations?.["moat.dev/cni-container"], n).toMatch(new RegExp(`^ml-${name}-w\\d+$`));
      expect(byName[n]!.metadata.labels, n).toMatchObject({ app: n });
      expect(byName[n]!.spec.ports, n).toEqual([{ name: "http", port: 80 }]);
    }
    expect(byName.d!.spec.interface).toMatch(/^lw\d+$/);
    expect(byName.d!.metadata.annotations?.["moat.dev/cni-container"]).toBeUndefined();
    expect(pids.length).toBe(3);
    // A second up of the same name changes nothing and says how to remove the first.
    const again = moat(["lab", "up", "-f", join(LAB_DIR, "first.yaml"), "--name", name]);
    expect(again.code).toBe(3);
    expect(again.err).toMatch(new RegExp(`lab ${name} exists already .*moat lab down --name ${name}`));
    expect(pidsOf(name)).toEqual(pids);

    const first = moat(["lab", "probe", "--name", name, "-o", "json"]);
    expect(first.code, first.err + first.out).toBe(0);
    const cells = (JSON.parse(first.out) as { probes: Cell[] }).probes;
    expect(Object.keys(cells[0]!).sort()).toEqual(["allowed", "declared", "from", "port", "protocol", "to"]);
    expect(cells.length).toBe(4 * 4 * 2);
    expect(real(cells)).toEqual(decided(FIRST));
    expect(cells.every((c) => c.allowed === c.declared)).toBe(true);
    // The policy is in force across nodes: c (node-1) reaches b (node-2) on 80, a does not.
    expect(real(cells)["TCP/80 c->b"]).toBe(true);
    expect(real(cells)["TCP/80 a->b"]).toBe(false);

    const token = readFileSync(state.server!.tokenFile, "utf8").trim();
    const write = await http(state.server!.url, "/v1/apply", { token, body: policy(["a", "c"], true), type: "application/yaml" });
    expect(write.status, write.text).toBe(200);
    const second = moat(["lab", "probe", "--name", name, "-o", "json"]);
    expect(second.code, second.err + second.out).toBe(0);
    const after = real((JSON.parse(second.out) as { probes: Cell[] }).probes);
    expect(after).toEqual(decided(CHANGED));
    expect(after["TCP/80 a->b"]).toBe(true);
    expect(after["UDP/9000 a->b"]).toBe(true);
    expect(after["UDP/9000 c->b"]).toBe(false);

    // The agent of b's node held, its rules flushed by hand: what the kernel does is no longer declared.
    const agentB = pids.find((pid) => cmdline(pid).includes("--node node-2"))!;
    process.kill(agentB, "SIGSTOP");
    try {
      const ns = state.nodes["node-2"]!;
      for (const [cmd, args] of [["iptables", ["-F"]], ["ip6tables", ["-F"]], ["nft", ["flush", "ruleset"]]] as const) await processRunner(ns).run(cmd, [...args]);
      const table = moat(["lab", "probe", "--name", name]);
      expect(table.code, table.err).toBe(1);
      expect(table.out).toMatch(/✓!/);
      expect(table.out).toMatch(/\d+ of 32 cells disagree:/);
      expect(table.out).toMatch(/9000\/UDP c -> b: real connected .*declared denied/);
    } finally {
      process.kill(agentB, "SIGCONT");
    }
  }, 180_000);

  it("down after the server and agents were killed -9 leaves no namespace, process or folder; again, it is a no-op", async () => {
    expect(pids.length).toBe(3);
    for (const pid of pids) process.kill(pid, "SIGKILL");
    const down = moat(["lab", "down", "--name", name]);
    expect(down.code, down.err).toBe(0);
    expect(down.err).toMatch(new RegExp(`lab ${name} removed: 0 processes, 7 namespaces`));
    expect(await namespacesOf(name)).toEqual([]);
    expect(pids.filter(alive)).toEqual([]);
    expect(moat(["lab", "probe", "--name", name]).code).toBe(2);
    const again = moat(["lab", "down", "--name", name]);
    expect(again).toMatchObject({ code: 0 });
    expect(again.err).toMatch(/nothing left to remove/);
  }, 60_000);
});

const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
