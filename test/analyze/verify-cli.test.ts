// The verbs that read the kernel, on input they refuse before reading anything.
import { describe, expect, it } from "vitest";
import { analyze, verifyNode } from "../../src/analyze/index.js";
import { compile } from "../../src/compile/index.js";
import { run, runOnDisk } from "../cli/fake-io.js";
import { exampleModel } from "../kernel/harness.js";

const DCOS = new URL("../../examples/dcos-overlays.yaml", import.meta.url).pathname;

describe("moat verify and explain: bad input", () => {
  it("verify: a node without workloads is exit 2, naming the nodes there are", async () => {
    const r = await runOnDisk(["verify", "-f", DCOS, "--node", "agent-9"]);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/--node "agent-9" has no workloads .*agent-1, agent-2/);
  });

  it("explain: a flow that does not pass the node is exit 2", async () => {
    const r = await runOnDisk(["explain", "-f", DCOS, "--from", "it-2", "--to", "hr-2", "--port", "8080", "--node", "agent-1"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/does not pass node "agent-1"/);
  });

  it("both need -f and --node", async () => {
    expect((await run(["verify", "--node", "a"])).code).toBe(2);
    expect((await run(["explain", "-f", "x", "--from", "a", "--to", "b"])).code).toBe(2);
  });
});

describe("verifyNode on text (no kernel)", () => {
  const model = exampleModel("dcos-overlays.yaml");
  const compiled = async (node: string) => (await runOnDisk(["compile", "-f", DCOS, "--node", node, "-o", "text", "--backend", "iptables"])).out;

  it("the node's own compiled rules agree on every flow", async () => {
    for (const node of ["agent-1", "agent-2"]) {
      const r = verifyNode(model, node, analyze([{ file: "compiled", text: await compiled(node) }]), new Map([["agent-1", compile(model, "agent-1")], ["agent-2", compile(model, "agent-2")]]));
      expect(r.flows).toBe(20);
      expect(r.disagreements).toEqual([]);
    }
  });

  it("a kernel without moat's rules disagrees wherever decide denies, with FORWARD's policy as the kernel's reason", async () => {
    const r = verifyNode(model, "agent-1", analyze([{ file: "empty", text: "*filter\n:FORWARD ACCEPT [0:0]\nCOMMIT\n" }]));
    expect(r.disagreements.length).toBeGreaterThan(0);
    for (const d of r.disagreements) expect(d).toMatchObject({ decide: { allowed: false }, kernel: { allowed: true, rule: null, node: "agent-1" } });
  });
});

describe("policyRuleCounters", () => {
  it("sums the counters of each policy rule's kernel rules over both families", async () => {
    const { policyRuleCounters } = await import("../../src/analyze/index.js");
    const v4 = '*filter\n:FORWARD ACCEPT [0:0]\n:p - [0:0]\n[1:60] -A FORWARD -j p\n[3:180] -A p -p tcp -m comment --comment "web/api ingress rule 0 Allow" -j ACCEPT\n[2:100] -A p -m comment --comment "web/api ingress rule 1 Deny" -j DROP\nCOMMIT\n';
    const v6 = '# ip6tables-save\n*filter\n:FORWARD ACCEPT [0:0]\n:p - [0:0]\n[0:0] -A FORWARD -j p\n[4:320] -A p -p tcp -m comment --comment "web/api ingress rule 0 Allow" -j ACCEPT\nCOMMIT\n';
    const rows = policyRuleCounters(analyze([{ file: "v4", text: v4 }, { file: "v6", text: v6, family: 6 }]));
    expect(rows).toEqual([
      { policy: "web/api", stage: "ingress", rule: 0, action: "Allow", kernelRules: 2, packets: 7n, bytes: 500n },
      { policy: "web/api", stage: "ingress", rule: 1, action: "Deny", kernelRules: 1, packets: 2n, bytes: 100n },
    ]);
  });
});

describe("verify --server: the model comes from a moat server", () => {
  it("serverModel reads back what was applied to the server", async () => {
    const { startServer, removeDir } = await import("../support/server-process.js");
    const { serverModel } = await import("../../src/cli/commands/verify.js");
    const { clientOf } = await import("../../src/cli/online.js");
    const { api } = await import("../../src/client/index.js");
    const { readFileSync } = await import("node:fs");
    const server = await startServer();
    try {
      const client = clientOf({ server: server.url, token: server.adminToken }, {})!;
      await api.apply(client, readFileSync(DCOS, "utf8"));
      const fromServer = await serverModel(client);
      const fromFile = exampleModel("dcos-overlays.yaml");
      expect(fromServer.workloads.map((w) => `${w.id} ${w.node} ${w.interface} ${w.ips.map((i) => i.text).join()}`).sort()).toEqual(fromFile.workloads.map((w) => `${w.id} ${w.node} ${w.interface} ${w.ips.map((i) => i.text).join()}`).sort());
      expect(fromServer.policies.map((p) => p.id)).toEqual(fromFile.policies.map((p) => p.id));
      // The same flows and verdicts as from the file.
      const text = (await runOnDisk(["compile", "-f", DCOS, "--node", "agent-1", "-o", "text", "--backend", "iptables"])).out;
      expect(verifyNode(fromServer, "agent-1", analyze([{ file: "c", text }])).disagreements).toEqual([]);
    } finally {
      await server.stop();
      removeDir(server.dataDir);
    }
  });
});
