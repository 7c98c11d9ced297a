// `moat lab up --overlay vxlan`: nodes share only an underlay; each agent keeps moat.vx and the routes
// to the other node's workloads, and the real connections across it equal decide.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processRunner } from "../../src/dataplane/index.js";
import { requireKernelTools } from "../../src/lab/index.js";
import { assembleModel, matrixAnswer, parseSources } from "../../src/service/index.js";
import { forceDown, LAB_DIR, labName, moat, namespacesOf, pidsOf, stateOf } from "./support.js";

const MANIFESTS = `apiVersion: moat.dev/v1
kind: Network
metadata: {name: net}
spec: {subnets: [10.84.0.0/16], isolation: workload}
${["a", "b", "c"].map((n, i) => `---\napiVersion: moat.dev/v1\nkind: Workload\nmetadata: {name: ${n}, labels: {app: ${n}}}\nspec: {network: net, ips: [10.84.0.${i + 1}], ports: [{name: http, port: 80}]}\n`).join("")}---
apiVersion: moat.dev/v1
kind: Policy
metadata: {name: a-to-b}
spec:
  selector: app == "b"
  ingress: [{action: Allow, protocol: TCP, ports: [80], from: {selector: app == "a"}}]
`;

const name = labName();
let pids: number[] = [];

beforeAll(() => requireKernelTools(), 30_000);
afterAll(() => forceDown(name, pids), 60_000);

describe("moat lab --overlay vxlan", () => {
  it("routes other nodes' workloads through moat.vx, and every real connection equals decide", async () => {
    const file = join(LAB_DIR, "vxlan.yaml");
    writeFileSync(file, MANIFESTS);
    const up = moat(["lab", "up", "-f", file, "--name", name, "--overlay", "vxlan", "--port", "icmp"]);
    pids = pidsOf(name);
    expect(up.code, up.err).toBe(0);
    // a and c on node-1, b on node-2: a's route to b leaves through the overlay.
    const routes = await processRunner(stateOf(name).nodes["node-1"]!).run("ip", ["route", "show", "10.84.0.2"]);
    expect(routes.stdout).toMatch(/10\.84\.0\.2 via \S+ dev moat\.vx/);
    const probe = moat(["lab", "probe", "--name", name, "-o", "json"]);
    expect(probe.code, probe.err + probe.out).toBe(0);
    const cells = (JSON.parse(probe.out) as { probes: { from: string; to: string; port: number | null; protocol: string; allowed: boolean }[] }).probes;
    const key = (p: { from: string; to: string; port: number | null; protocol: string }) => `${p.protocol}/${p.port} ${p.from}->${p.to}`;
    const decided = matrixAnswer(assembleModel(parseSources([{ name: "t", text: MANIFESTS }])), [{ protocol: "ICMP" }, { port: 80, protocol: "TCP" }]).probes;
    expect(Object.fromEntries(cells.map((c) => [key(c), c.allowed]))).toEqual(Object.fromEntries(decided.map((d) => [key(d), d.allowed])));
    expect(cells.find((c) => c.from === "a" && c.to === "b" && c.protocol === "TCP")!.allowed).toBe(true);
    expect(cells.find((c) => c.from === "c" && c.to === "b" && c.protocol === "TCP")!.allowed).toBe(false);
    expect(moat(["lab", "down", "--name", name]).code).toBe(0);
    expect(await namespacesOf(name)).toEqual([]);
  }, 150_000);
});
