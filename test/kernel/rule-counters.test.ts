// Per policy rule counters, as the agent's moat_rule_packets_total and `moat status --rules` read them,
// on both backends: real connections through an Allow rule and into a Deny rule are counted on that
// rule, one that matched nothing stays at zero, and counters that moved are no difference to status.
import "../support/state-dirs.js";
import { describe, expect, it } from "vitest";
import { readStatus } from "../../src/dataplane/index.js";
import { kernelRuleCounters } from "../../src/service/index.js";
import { BACKENDS, enforce, modelFrom, withLab } from "./harness.js";

const model = modelFrom(`
apiVersion: moat.dev/v1
kind: Network
metadata: {name: net}
spec: {subnets: [10.82.0.0/16], isolation: workload}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: client, labels: {app: client}}
spec: {node: n1, network: net, ips: [10.82.0.1]}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: web, labels: {app: web}}
spec: {node: n1, network: net, ips: [10.82.0.2]}
---
apiVersion: moat.dev/v1
kind: Policy
metadata: {name: web}
spec:
  selector: app == "web"
  ingress:
    - {action: Deny, protocol: TCP, ports: [81], from: {selector: app == "client"}}
    - {action: Allow, protocol: TCP, ports: [80, 81], from: {selector: app == "client"}}
    - {action: Allow, protocol: UDP, ports: [53], from: {selector: app == "client"}}
`);

describe.each(BACKENDS)("policy rule counters (%s, kernel)", (backend) => {
  it("count the connections each rule judged; a rule that matched nothing stays at zero; status still agrees", async () => {
    await withLab(model, async (lab) => {
      await lab.listen("web", 80, "TCP");
      await enforce(lab, model, backend);
      const runner = lab.nodeRunner("n1");
      const zero = await kernelRuleCounters(runner);
      expect(zero.map((r) => `${r.policy} ${r.stage} ${r.rule} ${r.action} ${r.packets}`)).toEqual(["web ingress 0 Deny 0", "web ingress 1 Allow 0", "web ingress 2 Allow 0"]);
      const allowed = await lab.probe("client", "web", 80, "TCP", { family: 4 });
      expect(allowed.connected, allowed.detail).toBe(true);
      const denied = await lab.probe("client", "web", 81, "TCP", { family: 4, timeoutMs: 300 });
      expect(denied.connected).toBe(false);
      const rows = Object.fromEntries((await kernelRuleCounters(runner)).map((r) => [`${r.rule} ${r.action}`, r]));
      // The new connection's first packet is what the policy rule judges (established ones are accepted before).
      expect(Number(rows["1 Allow"]!.packets)).toBeGreaterThan(0);
      expect(Number(rows["1 Allow"]!.bytes)).toBeGreaterThan(0);
      expect(Number(rows["0 Deny"]!.packets)).toBeGreaterThan(0);
      expect(rows["2 Allow"]!.packets).toBe(0n);
      expect(await readStatus(runner, { backend })).toMatchObject({ agrees: true });
    });
  }, 60_000);
});
