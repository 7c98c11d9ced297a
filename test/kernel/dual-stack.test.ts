// IPv6 goes the same way as IPv4: ip6tables and inet6 sets, decided per family.
import { describe, expect, it } from "vitest";
import { allPairs, BACKENDS, disagreements, enforce, modelFrom, withLab } from "./harness.js";

const MANIFEST = `
apiVersion: moat.dev/v1
kind: Network
metadata: {name: dual}
spec: {subnets: [10.70.0.0/16, "fd70::/64"], isolation: workload}
---
apiVersion: moat.dev/v1
kind: Network
metadata: {name: lan}
spec: {subnets: [10.71.0.0/24, "fd71::/64"], bridge: br-lan}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: web, labels: {app: web}}
spec: {node: n1, network: dual, ips: [10.70.0.10, "fd70::10"], ports: [{name: http, port: 8080}]}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: client, labels: {app: client}}
spec: {node: n2, network: dual, ips: [10.70.1.10, "fd70::20"]}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: vm-a, labels: {app: vm}}
spec: {node: n1, network: lan, ips: [10.71.0.2, "fd71::2"]}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: vm-b, labels: {app: vm}}
spec: {node: n1, network: lan, ips: [10.71.0.3, "fd71::3"]}
---
apiVersion: moat.dev/v1
kind: Policy
metadata: {name: web-from-client-v6-only}
spec:
  selector: app == "web"
  ingress:
    - {action: Allow, protocol: TCP, ports: [http], from: {cidrs: ["fd70::/64"], selector: app == "client"}}
    - {action: Allow, protocol: UDP, ports: [8080], from: {selector: app == "client"}}
---
apiVersion: moat.dev/v1
kind: Policy
metadata: {name: vms-apart}
spec:
  selector: app == "vm"
  ingress:
    - {action: Deny, from: {selector: app == "vm"}}
    - {action: Allow}
`;

describe.each(BACKENDS)("%s", (backend) => {
describe("dual stack (kernel)", () => {
  it("decides IPv4 and IPv6 apart, routed across nodes and bridged on one", async () => {
    const model = modelFrom(MANIFEST);
    await withLab(model, async (lab) => {
      await enforce(lab, model, backend);
      const expected = allPairs(model, [{ port: 8080, protocol: "TCP" }, { port: 8080, protocol: "UDP" }]);
      const clientToWeb = expected.filter((e) => e.from === "client" && e.protocol === "TCP" && (e.to === "10.70.0.10" || e.to === "fd70::10"));
      expect(clientToWeb.map((e) => [e.family, e.allowed])).toEqual([[4, false], [6, true]]);
      expect(await disagreements(lab, expected)).toEqual([]);
    });
  });
});
});
