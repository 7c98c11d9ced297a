// No escaping policy by spoofing: a workload that sends with another workload's address (one the policy
// lets in) reaches nobody, whether the victim is on its node or another, routed or bridged.
import { describe, expect, it } from "vitest";
import { runOk } from "../../src/dataplane/index.js";
import { BACKENDS, enforce, modelFrom, withLab } from "./harness.js";

const MANIFEST = `
apiVersion: moat.dev/v1
kind: Network
metadata: {name: routed}
spec: {subnets: [10.90.0.0/16, "fd90::/64"], isolation: workload}
---
apiVersion: moat.dev/v1
kind: Network
metadata: {name: lan}
spec: {subnets: [10.91.0.0/24], isolation: workload, bridge: br-spoof}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: server, labels: {role: server}}
spec: {node: n1, network: routed, ips: [10.90.0.1, "fd90::1"]}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: trusted, labels: {role: trusted}}
spec: {node: n2, network: routed, ips: [10.90.1.2, "fd90::2"]}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: attacker}
spec: {node: n1, network: routed, ips: [10.90.0.3, "fd90::3"]}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: vm-server, labels: {role: server}}
spec: {node: n1, network: lan, ips: [10.91.0.1]}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: vm-attacker}
spec: {node: n1, network: lan, ips: [10.91.0.3]}
---
apiVersion: moat.dev/v1
kind: Policy
metadata: {name: only-trusted}
spec:
  selector: role == "server"
  ingress: [{action: Allow, protocol: UDP, ports: [53], from: {selector: role == "trusted"}}]
`;

describe.each(BACKENDS)("%s", (backend) => {
describe("anti-spoofing (kernel)", () => {
  it("drops packets whose source is not the sending workload's own address", async () => {
    const model = modelFrom(MANIFEST);
    await withLab(model, async (lab) => {
      await enforce(lab, model, backend);
      await lab.listenAll(53, "UDP");
      // The real trusted workload gets through: the policy works.
      expect((await lab.probe("trusted", "server", 53, "UDP")).connected).toBe(true);
      expect((await lab.probe("trusted", "vm-server", 53, "UDP")).connected).toBe(true);
      await lab.udpSeen("server");
      await lab.udpSeen("vm-server");

      const cases = [
        { from: "attacker", to: "server", family: 4 as const, source: "10.90.1.2" },
        { from: "attacker", to: "server", family: 6 as const, source: "fd90::2" },
        { from: "vm-attacker", to: "vm-server", family: 4 as const, source: "10.90.1.2" },
        { from: "vm-attacker", to: "server", family: 4 as const, source: "10.90.1.2" },
      ];
      for (const c of cases.filter((c, i) => cases.findIndex((o) => o.from === c.from && o.source === c.source) === i)) {
        await runOk(lab.workloadRunner(c.from), "ip", ["addr", "add", c.source, "dev", "eth0", ...(c.family === 6 ? ["nodad"] : [])]);
      }
      const results = await lab.probeMany(cases.map((c) => ({ ...c, port: 53, protocol: "UDP" as const })));
      expect(results.map((r) => r.connected)).toEqual([false, false, false, false]);
      expect(await lab.udpSeen("server")).toEqual([]);
      expect(await lab.udpSeen("vm-server")).toEqual([]);
    });
  });
});
});
