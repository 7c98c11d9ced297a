// An attacker's open connection must not outlive the policy that cuts it off: a TCP connection held
// open across an apply of a denying policy stops carrying data within 1 s, while an allowed one keeps
// working; with revokeEstablished: false it would live on (as Calico leaves it).
import { describe, expect, it } from "vitest";
import { compile } from "../../src/compile/index.js";
import { applyPlan } from "../../src/dataplane/index.js";
import { BACKENDS, modelFrom, nodesOf, withLab } from "./harness.js";

const base = `
apiVersion: moat.dev/v1
kind: Network
metadata: {name: net}
spec: {subnets: [10.97.0.0/16], isolation: none}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: server, labels: {app: server}}
spec: {node: n1, network: net, ips: [10.97.0.1]}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: attacker, labels: {app: attacker}}
spec: {node: n2, network: net, ips: [10.97.1.2]}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: friend, labels: {app: friend}}
spec: {node: n2, network: net, ips: [10.97.1.3]}
`;
const onlyFriend = `---
apiVersion: moat.dev/v1
kind: Policy
metadata: {name: only-friend}
spec:
  selector: app == "server"
  ingress: [{action: Allow, protocol: TCP, ports: [7000], from: {selector: app == "friend"}}]
`;

const SERVER = `require("net").createServer((s) => s.on("data", (d) => s.write(d)).on("error", () => {})).listen(7000, "0.0.0.0"); setTimeout(() => process.exit(0), 15000);`;
// Connects, then sends a byte every 50 ms for 12 s (long enough for two applies on a loaded machine);
// prints the times (ms since epoch) of every echo it got.
const CLIENT = `const s = require("net").connect(7000, "10.97.0.1"); const got = []; s.on("data", () => got.push(Date.now())); s.on("error", () => {}); s.on("connect", () => { const t = setInterval(() => s.write("x"), 50); setTimeout(() => { clearInterval(t); console.log(JSON.stringify(got)); process.exit(0); }, 12000); });`;

describe.each(BACKENDS)("%s", (backend) => {
  describe("revoking established connections (kernel)", () => {
    it("cuts the connection a new policy denies within 1 s, and keeps the allowed one", async () => {
      const open = modelFrom(base);
      const closed = modelFrom(base + onlyFriend);
      await withLab(open, async (lab) => {
        for (const n of nodesOf(open)) await applyPlan(lab.nodeRunner(n), compile(open, n), { backend });
        const server = lab.workloadRunner("server").run(process.execPath, ["-e", SERVER]);
        await new Promise((r) => setTimeout(r, 300));
        const attacker = lab.workloadRunner("attacker").run(process.execPath, ["-e", CLIENT]);
        const friend = lab.workloadRunner("friend").run(process.execPath, ["-e", CLIENT]);
        await new Promise((r) => setTimeout(r, 1500));
        let revoked = 0;
        for (const n of nodesOf(closed)) revoked += (await applyPlan(lab.nodeRunner(n), compile(closed, n), { backend })).revoked;
        const appliedAt = Date.now();
        const [a, f] = [JSON.parse((await attacker).stdout) as number[], JSON.parse((await friend).stdout) as number[]];
        await server;
        expect(revoked).toBeGreaterThan(0);
        expect(a.filter((t) => t < appliedAt).length).toBeGreaterThan(5);
        const lastAttacker = Math.max(...a);
        expect(lastAttacker - appliedAt, `attacker's echoes went on ${lastAttacker - appliedAt} ms after the apply`).toBeLessThan(1000);
        expect(f.filter((t) => t > appliedAt + 500).length, "the allowed connection stopped").toBeGreaterThan(10);
      });
    }, 90_000);
  });
});
