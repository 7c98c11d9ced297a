// Identities on the kernel, three lab nodes over VXLAN, Cloud Foundry's apps spread over them (appA-0 on
// node-1, appB-0 on node-2, appB-1 on node-3), with appA also allowed to send UDP 9000 to appB:
// - a workload cannot claim another identity: a mark it sets itself is overwritten, and VXLAN it forges
//   (GBP of appA, source address of appA) never leaves its node, while the same packet from the node
//   itself is delivered (so the forgery is a real one);
// - a new workload on node-2 with a known label set changes no rule and no set member on node-1 with
//   identities, and does change node-1's sets without.
import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile, identities } from "../../src/compile/index.js";
import { applyPlan, runOk, type Runner } from "../../src/dataplane/index.js";
import { withLabInterfaces, type Lab } from "../../src/lab/index.js";
import type { Model } from "../../src/model/index.js";
import { vtepMac } from "../../src/overlay/index.js";
import type { BackendName } from "../../src/render/index.js";
import { BACKENDS } from "../kernel/harness.js";
import { createOverlayLab, enforceAll, keepOverlay, underlaysOf } from "./lab-overlay.js";
import { modelOf, spreadDocs } from "./spread.js";

const FORGE = fileURLToPath(new URL("./forge-vxlan.py", import.meta.url));
const UDP_POLICY = {
  apiVersion: "moat.dev/v1",
  kind: "Policy",
  metadata: { name: "appA-to-appB-udp" },
  spec: {
    selector: 'app == "appB"',
    ingress: [
      { action: "Allow", protocol: "UDP", ports: [9000], from: { selector: 'app == "appA"' } },
      { action: "Allow", protocol: "TCP", ports: [7000], from: { selector: 'app == "appA"' } },
    ],
  },
};
/** A policy that selects nobody: it changes every node's rules, and so makes each apply revoke. */
const UNRELATED = { apiVersion: "moat.dev/v1", kind: "Policy", metadata: { name: "nobody" }, spec: { selector: 'app == "nobody"', ingress: [{ action: "Deny" }] } };
const ECHO = `require("net").createServer((s) => s.on("data", (d) => s.write(d)).on("error", () => {})).listen(7000, "0.0.0.0"); setTimeout(() => process.exit(0), 12000);`;
// Sends a byte every 50 ms for 7 s and prints the times of the echoes.
const CLIENT = (to: string) => `const s = require("net").connect(7000, "${to}"); const got = []; s.on("data", () => got.push(Date.now())); s.on("error", () => {}); s.on("connect", () => { const t = setInterval(() => s.write("x"), 50); setTimeout(() => { clearInterval(t); console.log(JSON.stringify(got)); process.exit(0); }, 7000); });`;

function docs(identity: "address" | "mark", extra: Record<string, unknown>[] = []) {
  const text = readFileSync(new URL("../../examples/cloudfoundry-c2c.yaml", import.meta.url), "utf8");
  return [...spreadDocs(text, identity), UDP_POLICY, ...extra];
}

const NEWCOMER = {
  apiVersion: "moat.dev/v1",
  kind: "Workload",
  metadata: { name: "appB-2", labels: { "cloudfoundry.org/app-guid": "c7de6123-d906-4c65-9717-c5d040568c76", app: "appB" } },
  spec: { node: "node-2", network: "silk", ips: ["10.255.78.9"], interface: "lwnew", ports: [{ name: "http", port: 8080 }] },
};

/** Everything moat holds in a node's kernel, without counters. */
async function kernelText(runner: Runner, backend: BackendName): Promise<string> {
  if (backend === "nftables") return (await runOk(runner, "nft", ["list", "ruleset"])).stdout;
  const save = async (cmd: string) => (await runOk(runner, cmd, [])).stdout.split("\n").filter((l) => !l.startsWith("#")).map((l) => l.replace(/\[\d+:\d+\]/, "")).join("\n");
  return [await save("iptables-save"), await save("ip6tables-save"), (await runOk(runner, "ipset", ["save"])).stdout].join("\n");
}

describe("identities across three nodes over VXLAN", () => {
  let lab: Lab;
  let model: Model;
  let destroy: () => Promise<void> = async () => {};
  beforeAll(async () => {
    ({ lab, model, destroy } = await createOverlayLab(modelOf(docs("mark"))));
    for (const id of ["appA-0", "appB-0", "appB-1"]) await lab.listen(id, 9000, "UDP"), await lab.listen(id, 8080, "TCP");
  }, 60_000);
  afterAll(() => destroy(), 30_000);

  const ip = (id: string) => model.workloads.find((w) => w.id === id)!.ips[0]!.text;
  const ids = () => identities(model);
  const idOf = (id: string) => ids().get(model.workloads.find((w) => w.id === id)!)!;

  describe.each(BACKENDS)("%s", (backend) => {
    it("a mark a workload sets is overwritten by its own identity", async () => {
      await enforceAll(lab, model, backend);
      expect((await lab.probe("appA-0", ip("appB-0"), 8080, "TCP")).connected).toBe(true);
      expect((await lab.probe("appB-1", ip("appB-0"), 8080, "TCP")).connected).toBe(false);
      const attacker = lab.workloadRunner("appB-1");
      await runOk(attacker, "iptables", ["-t", "mangle", "-A", "OUTPUT", "-j", "MARK", "--set-mark", `0x${idOf("appA-0").toString(16)}`]);
      try {
        const r = await lab.probe("appB-1", ip("appB-0"), 8080, "TCP");
        expect(r.connected, `appB-1 claiming appA's identity ${idOf("appA-0")}: ${r.outcome} ${r.detail}`).toBe(false);
      } finally {
        await runOk(attacker, "iptables", ["-t", "mangle", "-F", "OUTPUT"]);
      }
    }, 30_000);

    it("VXLAN a workload forges with another identity never leaves its node; from the node it would be delivered", async () => {
      await enforceAll(lab, model, backend);
      const node2 = underlaysOf(lab).get("node-2")!;
      const forge = (runner: Runner) => runOk(runner, "python3", [FORGE, node2, ip("appA-0"), ip("appB-0"), "9000", String(idOf("appA-0")), vtepMac(node2)]);
      const seen = async () => (await lab.udpSeen("appB-0")).filter((s) => s.port === 9000);
      await seen();
      const real = await lab.probe("appA-0", ip("appB-0"), 9000, "UDP");
      expect(real.connected || (await seen()).some((s) => s.from === ip("appA-0"))).toBe(true);
      await seen();
      await forge(lab.workloadRunner("appB-1"));
      await new Promise((r) => setTimeout(r, 400));
      expect(await seen(), "forged by the workload appB-1").toEqual([]);
      await forge(lab.nodeRunner("node-3"));
      let delivered: { from: string }[] = [];
      for (let i = 0; i < 10 && !delivered.length; i++) {
        await new Promise((r) => setTimeout(r, 100));
        delivered = await seen();
      }
      expect(delivered.map((s) => s.from), "forged by node-3 itself (outside moat's forward hook)").toContain(ip("appA-0"));
    }, 30_000);

    it("an allowed connection from another node outlives a rules change on its destination (revoke leaves it)", async () => {
      await enforceAll(lab, model, backend);
      const server = lab.workloadRunner("appB-0").run(process.execPath, ["-e", ECHO]);
      // Each step waits for the kernel to show it (bounded), not a fixed time: a loaded machine takes
      // seconds to start node, and a client that had not connected yet saw no echo before the apply.
      const established = async (state: "listening" | "established") => {
        for (let i = 0; i < 200; i++) {
          const r = await lab.workloadRunner("appB-0").run("ss", ["-Htn", "state", state, "( sport = :7000 )"]);
          if (r.stdout.trim()) return;
          await new Promise((res) => setTimeout(res, 50));
        }
        throw new Error(`no ${state} socket on port 7000 of appB-0 within 10 s`);
      };
      await established("listening");
      const client = lab.workloadRunner("appA-0").run(process.execPath, ["-e", CLIENT(ip("appB-0"))]);
      await established("established");
      await new Promise((r) => setTimeout(r, 1000));
      const changed = withLabInterfaces(modelOf(docs("mark", [UNRELATED])));
      const report = await applyPlan(lab.nodeRunner("node-2"), compile(changed, "node-2"), { backend });
      const appliedAt = Date.now();
      const echoes = JSON.parse((await client).stdout || "[]") as number[];
      await server;
      expect(report.rulesChanged).toBe(true);
      expect(echoes.filter((t) => t < appliedAt).length, "echoes before the apply").toBeGreaterThan(5);
      expect(echoes.filter((t) => t > appliedAt + 500).length, "the allowed connection stopped after the apply").toBeGreaterThan(10);
    }, 45_000);

    it.each(["mark", "address"] as const)("identity %s: a new appB workload on node-2 and node-1's kernel", async (identity) => {
      const before = withLabInterfaces(modelOf(docs(identity)));
      const after = withLabInterfaces(modelOf(docs(identity, [NEWCOMER])));
      await enforceAll(lab, before, backend);
      const node1 = lab.nodeRunner("node-1");
      const was = await kernelText(node1, backend);
      const applied = await Promise.all(lab.plan.nodes.map(async (n) => [n.name, await applyPlan(lab.nodeRunner(n.name), compile(after, n.name), { backend })] as const));
      const reports = ["node-1", "node-2"].map((n) => new Map(applied).get(n)!);
      const now = await kernelText(node1, backend);
      if (identity === "mark") {
        expect(reports[0]!.changed, "node-1 applied something").toBe(false);
        expect(now).toBe(was);
      } else {
        expect(reports[0]!.changed).toBe(true);
        expect(reports[0]!.rulesChanged).toBe(false);
        expect(now).not.toBe(was);
        expect(now).toContain("10.255.78.9");
      }
      expect(reports[1]!.changed, "node-2 holds the newcomer").toBe(true);
      await keepOverlay(lab, after);
      await keepOverlay(lab, before);
    }, 30_000);
  });
});
