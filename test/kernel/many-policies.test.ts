// Many policies on one workload: nf_tables refuses jumps nested deeper than 16 ("Too many links"), so the
// rules must stay shallow however many policies there are. Applied with both iptables backends.
import { describe, expect, it } from "vitest";
import { compile } from "../../src/compile/index.js";
import { applyPlan, resetDataplane } from "../../src/dataplane/index.js";
import { allPairs, disagreements, modelFrom, withLab } from "./harness.js";

const policies = Array.from({ length: 60 }, (_, i) => `
---
apiVersion: moat.dev/v1
kind: Policy
metadata: {name: p${String(i).padStart(2, "0")}}
spec:
  order: ${i}
  selector: all()
  types: [Ingress, Egress]
  ingress: [{action: Log, protocol: UDP, ports: [${1000 + i}]}${i === 59 ? ', {action: Allow, protocol: TCP, ports: [80], from: {selector: app == "client"}}' : ""}]
  egress: [{action: Deny, protocol: UDP, ports: [${2000 + i}]}${i === 59 ? ", {action: Allow}" : ""}]
`).join("");

const MANIFEST = `
apiVersion: moat.dev/v1
kind: Network
metadata: {name: net}
spec: {subnets: [10.95.0.0/16]}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: client, labels: {app: client}}
spec: {node: n1, network: net, ips: [10.95.0.1]}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: server, labels: {app: server}}
spec: {node: n1, network: net, ips: [10.95.0.2]}
${policies}`;

describe("60 policies on every workload (kernel)", () => {
  it.each([{ name: "iptables-nft", flavor: "nft" as const }, { name: "iptables-legacy", flavor: "legacy" as const }, { name: "nftables" }])("applies with $name and agrees with decide", async ({ flavor }) => {
    const model = modelFrom(MANIFEST);
    await withLab(model, async (lab) => {
      const runner = lab.nodeRunner("n1");
      const report = await applyPlan(runner, compile(model, "n1"), flavor ? { flavor } : { backend: "nftables" });
      expect(report).toMatchObject({ changed: true, ...(flavor ? { flavor } : { backend: "nftables" }) });
      const expected = allPairs(model, [{ port: 80, protocol: "TCP" }, { port: 81, protocol: "TCP" }]);
      expect(expected.filter((e) => e.allowed).map((e) => `${e.from}->${e.to}:${e.port}`)).toEqual(["client->10.95.0.2:80"]);
      expect(await disagreements(lab, expected)).toEqual([]);
      await resetDataplane(runner);
    });
  });
});
