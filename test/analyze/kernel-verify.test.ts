// Kernel test: moat verify reads back what apply put in a lab node's kernel and finds every flow agreeing
// with decide; after a rule is tampered with by hand it fails and names that rule. moat explain shows the
// kernel rule that decided a real connection, with the counters that connection moved.
import { describe, expect, it } from "vitest";
import { runOk } from "../../src/dataplane/index.js";
import { explainText, runExplain } from "../../src/cli/commands/explain.js";
import { runStatusRules, runVerify, verifyText } from "../../src/cli/commands/verify.js";
import { enforce, exampleModel, nodesOf, withLab } from "../kernel/harness.js";

const EXAMPLES = ["bridge-isolation.yaml", "calico-rkt.yaml", "cloudfoundry-c2c.yaml", "dcos-overlays.yaml", "rancher-label-isolation.yaml", "rancher-stack-isolation.yaml"];

describe("moat verify on a live node (lab)", () => {
  it.each(EXAMPLES)("%s: every node's kernel agrees with decide on every flow", async (example) => {
    const model = exampleModel(example);
    await withLab(model, async (lab) => {
      await enforce(lab, model);
      for (const node of nodesOf(model)) {
        const report = await runVerify(lab.nodeRunner(node), model, node);
        console.log(`${example} ${node}: ${report.agree}/${report.flows} flows agree`);
        expect(report.flows).toBeGreaterThan(0);
        expect(verifyText(report)).toBe(`node ${node}: ${report.flows}/${report.flows} flows agree`);
      }
    });
  });

  it.each(EXAMPLES)("%s on nftables: every node's kernel (its nft table read back) agrees with decide on every flow", async (example) => {
    const model = exampleModel(example);
    await withLab(model, async (lab) => {
      await enforce(lab, model, "nftables");
      for (const node of nodesOf(model)) {
        const report = await runVerify(lab.nodeRunner(node), model, node);
        expect(report.sources).toEqual([expect.stringMatching(/^nft list table inet moat-[ab]/)]);
        expect(verifyText(report)).toBe(`node ${node}: ${report.flows}/${report.flows} flows agree`);
      }
    });
  });

  it("dcos-overlays on nftables: a rule inserted by hand into moat's table makes verify fail, naming that rule", async () => {
    const model = exampleModel("dcos-overlays.yaml");
    await withLab(model, async (lab) => {
      await enforce(lab, model, "nftables");
      const runner = lab.nodeRunner("agent-1");
      await runOk(runner, "nft", ["insert", "rule", "inet", "moat-a", "moat-in", "ip", "saddr", "192.168.0.2", "accept"]);
      const report = await runVerify(runner, model, "agent-1");
      expect(report.disagreements.length).toBeGreaterThan(0);
      for (const d of report.disagreements) {
        expect(d).toMatchObject({ from: "hr-1", decide: { allowed: false }, kernel: { allowed: true, verdict: "ACCEPT", rule: { chain: "moat-in", text: "ip saddr 192.168.0.2 accept", file: "nft list table inet moat-a" } } });
        expect(d.kernel.rule!.line).toBeGreaterThan(0);
      }
      expect(verifyText(report)).toContain("ACCEPT by nft list table inet moat-a:");
      expect((await runVerify(lab.nodeRunner("agent-2"), model, "agent-2")).disagreements).toEqual([]);
    });
  });

  it("dcos-overlays: a rule inserted by hand makes verify fail, naming that rule; explain shows the rule and its counters", async () => {
    const model = exampleModel("dcos-overlays.yaml");
    await withLab(model, async (lab) => {
      await enforce(lab, model);
      const runner = lab.nodeRunner("agent-1");
      const save = (await runOk(runner, "iptables-save", ["-t", "filter"])).stdout;
      const inChain = /^:(moat-[ab]-in) /m.exec(save)![1]!;

      // explain before tampering: HR to IT on 80 is the policy's Allow, and the kernel rule that carries it counted the connection.
      await lab.listenAll(80, "TCP");
      const probe = await lab.probe("hr-1", "10.250.0.2", 80, "TCP");
      expect(probe.connected).toBe(true);
      const e = await runExplain(runner, model, { from: "hr-1", to: "it-1", protocol: "TCP", port: 80, node: "agent-1" });
      expect(e.decide.allowed).toBe(true);
      expect(e.kernel).toMatchObject({ allowed: true, verdict: "ACCEPT" });
      expect(e.kernel.rule!.text).toContain("hr-to-it-http ingress rule 0 Allow");
      expect(Number(e.kernel.rule!.packets)).toBeGreaterThan(0);
      expect(Number(e.kernel.rule!.bytes)).toBeGreaterThan(0);
      expect(explainText(e)).toMatch(/kernel of agent-1: ACCEPT by -A moat-[ab]-pi-\S+ .*hr-to-it-http ingress rule 0 Allow.*, [1-9]\d* packets, [1-9]\d* bytes so far/);

      // status --rules: the Allow rule's kernel rules counted the connection; the Pass rule's did not run for it.
      let out = "";
      await runStatusRules({ io: { out: (t: string) => void (out += t) } }, runner, "json");
      const rows = (JSON.parse(out) as { rules: { policy: string; stage: string; rule: number; action: string; kernelRules: number; packets: number; bytes: number }[] }).rules;
      expect(rows.map((r) => `${r.policy} ${r.stage} ${r.rule} ${r.action}`)).toEqual(["hr-to-it-http ingress 0 Allow", "hr-to-it-http ingress 1 Pass"]);
      expect(rows[0]!.kernelRules).toBe(2);
      expect(rows[0]!.packets).toBeGreaterThan(0);
      expect(rows[1]!.packets).toBe(0);

      // Tamper: let hr-1 into everything local, ahead of moat's ingress policies.
      await runOk(runner, "iptables", ["-I", inChain, "1", "-s", "192.168.0.2/32", "-j", "ACCEPT"]);
      await lab.listenAll(8080, "TCP");
      expect((await lab.probe("hr-1", "10.250.0.2", 8080, "TCP")).connected).toBe(true);

      const report = await runVerify(runner, model, "agent-1");
      expect(report.disagreements.length).toBeGreaterThan(0);
      expect(report.agree).toBeLessThan(report.flows);
      for (const d of report.disagreements) {
        expect(d).toMatchObject({ from: "hr-1", decide: { allowed: false }, kernel: { allowed: true, verdict: "ACCEPT" } });
        expect(d.kernel.rule!.text).toBe(`-A ${inChain} -s 192.168.0.2/32 -j ACCEPT`);
      }
      const text = verifyText(report);
      expect(text.split("\n")[0]).toBe(`node agent-1: ${report.agree}/${report.flows} flows agree`);
      expect(text).toContain(`disagree: TCP hr-1 (192.168.0.2) -> it-1 (10.250.0.2) port 8080: decide denies`);
      expect(text).toContain(`-A ${inChain} -s 192.168.0.2/32 -j ACCEPT`);
      console.log(text);

      // The other node was not touched and still agrees.
      expect((await runVerify(lab.nodeRunner("agent-2"), model, "agent-2")).disagreements).toEqual([]);
    });
  });
});
