// Logging, seen where the kernel puts it: a Log rule and (with Settings.spec.logDenied) every denied new
// connection go to NFLOG, and `moat logs`, run in the node's namespace (tcpdump -i nflog:GROUP under it),
// prints them with the prefix that names the policy rule. The rate limit holds under a flood.
import "../support/state-dirs.js";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { compile } from "../../src/compile/index.js";
import { applyPlan } from "../../src/dataplane/index.js";
import { modelFrom, withLab, BACKENDS } from "./harness.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const ENTRY = "import('./src/cli/main.ts').then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })";
const dir = mkdtempSync(join(tmpdir(), "moat-logs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const manifests = `
apiVersion: moat.dev/v1
kind: Network
metadata: {name: net}
spec: {subnets: [10.81.0.0/16], isolation: workload}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: client, labels: {app: client}}
spec: {node: n1, network: net, ips: [10.81.0.1]}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: web, labels: {app: web}}
spec: {node: n1, network: net, ips: [10.81.0.2]}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: db, labels: {app: db}}
spec: {node: n1, network: net, ips: [10.81.0.3]}
---
apiVersion: moat.dev/v1
kind: Policy
metadata: {name: web-in}
spec:
  selector: app == "web"
  ingress:
    - {action: Log, protocol: TCP, ports: [80]}
    - {action: Allow, protocol: TCP, ports: [80], from: {selector: app == "client"}}
---
apiVersion: moat.dev/v1
kind: Settings
metadata: {name: default}
spec: {logDenied: true, logGroup: 42, logRate: 2/second, logBurst: 4}
`;
const file = join(dir, "logging.yaml");
writeFileSync(file, manifests);

interface Follower {
  child: ChildProcess;
  lines: Record<string, string>[];
  ended: Promise<number>;
}

/** `moat logs` in the namespace, resolved once it says it follows (tcpdump listens). */
function follow(ns: string, args: string[]): Promise<Follower> {
  const child = spawn("ip", ["netns", "exec", ns, process.execPath, "--import", "tsx", "-e", ENTRY, "--", "logs", "-f", file, "--node", "n1", "-o", "json", ...args], { cwd: root });
  const lines: Record<string, string>[] = [];
  let out = "";
  let err = "";
  const ended = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? -1)));
  child.stdout!.on("data", (d) => {
    out += d;
    const parts = out.split("\n");
    out = parts.pop()!;
    for (const p of parts) if (p.trim()) lines.push(JSON.parse(p));
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (child.kill(), reject(new Error(`moat logs did not start following within 20 s: ${err}`))), 20_000);
    child.stderr!.on("data", (d) => {
      err += d;
      if (/following NFLOG group 42/.test(err)) (clearTimeout(timer), resolve({ child, lines, ended }));
    });
    child.on("close", (code) => (clearTimeout(timer), reject(new Error(`moat logs ended (exit ${code}) before following: ${err}`))));
  });
}

const within = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms))]);

describe.each(BACKENDS)("%s", (backend) => {
  describe("logging to NFLOG (kernel)", () => {
    it("a Log rule and denied connections reach `moat logs` with the policy rule that logged them; a flood is rate-limited", async () => {
      const model = modelFrom(manifests);
      await withLab(model, async (lab) => {
        await lab.listenAll(80, "TCP");
        await lab.listenAll(81, "TCP");
        await applyPlan(lab.nodeRunner("n1"), compile(model, "n1"), { backend });
        const ns = lab.plan.nodes.find((n) => n.name === "n1")!.netns;

        const f = await follow(ns, ["--count", "3"]);
        try {
          const [web, db, other] = await lab.probeMany([
            { from: "client", to: "web", port: 80, protocol: "TCP" },
            { from: "client", to: "db", port: 80, protocol: "TCP" },
            { from: "client", to: "web", port: 81, protocol: "TCP" },
          ]);
          expect([web!.connected, db!.connected, other!.connected]).toEqual([true, false, false]);
          expect(await within(f.ended, 15_000, "three log lines")).toBe(0);
        } finally {
          f.child.kill();
        }
        const seen = f.lines.map((l) => `${l.verdict} ${l.from} -> ${l.to} ${l.port} ${l.rule}`).sort();
        expect(seen).toEqual([
          "deny client -> db 80/TCP network net isolation workload",
          "deny client -> web 81/TCP ingress policies apply and none decided",
          "log client -> web 80/TCP web-in/i0",
        ]);
        for (const l of f.lines) expect(Math.abs(Date.parse(l.time!) - Date.now())).toBeLessThan(60_000);

        // 40 denied connections at once: the deny's log rule lets its burst (4) and rate (2/s) through.
        await new Promise((r) => setTimeout(r, 2500));
        const flood = await follow(ns, []);
        try {
          const results = await lab.probeMany(Array.from({ length: 40 }, () => ({ from: "client", to: "db", port: 80, protocol: "TCP" as const })));
          expect(results.every((r) => !r.connected)).toBe(true);
          await new Promise((r) => setTimeout(r, 1500));
        } finally {
          flood.child.kill();
        }
        const logged = flood.lines.filter((l) => l.to === "db").length;
        expect(logged).toBeGreaterThanOrEqual(4);
        expect(logged).toBeLessThan(12);
      }, 1500);
    }, 120_000);
  });
});
