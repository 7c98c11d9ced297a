// IPv6 over the overlay: the routes to IPv6 workloads on other nodes go via a link-local gateway made from
// the peer's underlay address, and identities judge IPv6 as IPv4. Two nodes, one policy: only "client"
// may reach "server" on TCP 80; "other" may not, from the same node as client or from the server's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Lab } from "../../src/lab/index.js";
import type { Model } from "../../src/model/index.js";
import { allPairs, BACKENDS, disagreements } from "../kernel/harness.js";
import { applyOverlay, runOk } from "../../src/dataplane/index.js";
import { desiredOverlay } from "../../src/overlay/index.js";
import { createOverlayLab, enforceAll, underlaysOf } from "./lab-overlay.js";
import { modelOf } from "./spread.js";

const w = (name: string, node: string, v4: string, v6: string) => ({ apiVersion: "moat.dev/v1", kind: "Workload", metadata: { name, labels: { app: name } }, spec: { node, network: "net", ips: [v4, v6] } });
const DOCS = [
  { apiVersion: "moat.dev/v1", kind: "Network", metadata: { name: "net" }, spec: { subnets: ["10.77.0.0/16", "fd77::/64"], isolation: "workload" } },
  w("client", "node-1", "10.77.1.1", "fd77::1:1"),
  w("other", "node-1", "10.77.1.2", "fd77::1:2"),
  w("server", "node-2", "10.77.2.1", "fd77::2:1"),
  w("peer", "node-2", "10.77.2.2", "fd77::2:2"),
  { apiVersion: "moat.dev/v1", kind: "Policy", metadata: { name: "web" }, spec: { selector: 'app == "server"', ingress: [{ action: "Allow", protocol: "TCP", ports: [80], from: { selector: 'app == "client"' } }] } },
  { apiVersion: "moat.dev/v1", kind: "Settings", metadata: { name: "default" }, spec: { identity: "mark" } },
];

describe("dual stack over VXLAN with identities", () => {
  let lab: Lab;
  let model: Model;
  let destroy: () => Promise<void> = async () => {};
  beforeAll(async () => {
    ({ lab, model, destroy } = await createOverlayLab(modelOf(DOCS)));
  }, 60_000);
  afterAll(() => destroy(), 30_000);

  it("holds the IPv6 routes as desired: a second overlay run changes nothing", async () => {
    const underlays = underlaysOf(lab);
    for (const n of lab.plan.nodes) {
      const routes = JSON.parse((await runOk(lab.nodeRunner(n.name), "ip", ["-j", "-6", "route", "show", "dev", "moat.vx"])).stdout) as { dst: string; gateway?: string }[];
      expect(routes.filter((r) => r.gateway?.startsWith("fe80::6d:")).length, n.name).toBe(2);
      expect(await applyOverlay(lab.nodeRunner(n.name), desiredOverlay(model, n.name, underlays))).toEqual({ changed: false, summary: [] });
    }
  });

  it.each(BACKENDS)("%s: every pair over IPv4 and IPv6 equals decide", async (backend) => {
    await enforceAll(lab, model, backend);
    const expected = allPairs(model, [{ port: 80, protocol: "TCP" }], [4, 6]);
    expect(expected.filter((e) => e.family === 6 && e.allowed).length).toBeGreaterThan(0);
    expect(await disagreements(lab, expected)).toEqual([]);
  }, 60_000);
});
