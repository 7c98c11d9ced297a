// Three lab nodes joined only by moat's VXLAN overlay (moat.vx with GBP): for every example, workloads
// spread over the nodes, each identity mode and each backend, every real connection agrees with decide.
// One lab per example, shared by its four cases; the overlay executor built it and must be idempotent.
import { describe, expect, it, beforeAll, afterAll } from "vitest";
import { applyOverlay, runOk } from "../../src/dataplane/index.js";
import type { Lab } from "../../src/lab/index.js";
import type { Model } from "../../src/model/index.js";
import { desiredOverlay } from "../../src/overlay/index.js";
import { declaredPorts } from "../../src/policy/index.js";
import { allPairs, BACKENDS, disagreements } from "../kernel/harness.js";
import { createOverlayLab, enforceAll, underlaysOf } from "./lab-overlay.js";
import { exampleFiles, spreadExample } from "./spread.js";

const withIdentity = (model: Model, identity: "address" | "mark"): Model => ({ ...model, settings: { ...model.settings, identity } });

describe.each(exampleFiles())("%s on three nodes over VXLAN", (file) => {
  let lab: Lab;
  let model: Model;
  let destroy: () => Promise<void> = async () => {};
  beforeAll(async () => {
    ({ lab, model, destroy } = await createOverlayLab(spreadExample(file, "address")));
  }, 60_000);
  afterAll(() => destroy(), 30_000);

  it("routes the other nodes' workloads through moat.vx only, and a second overlay run changes nothing", async () => {
    const underlays = underlaysOf(lab);
    for (const n of lab.plan.nodes) {
      const runner = lab.nodeRunner(n.name);
      const remote = model.workloads.filter((w) => w.node !== n.name).flatMap((w) => w.ips);
      const routes = JSON.parse((await runOk(runner, "ip", ["-j", "-4", "route", "show"])).stdout) as { dst: string; dev: string }[];
      for (const ip of remote.filter((i) => i.family === 4)) expect(routes.find((r) => r.dst === ip.text)?.dev, `${n.name} route to ${ip.text}`).toBe("moat.vx");
      const again = await applyOverlay(runner, desiredOverlay(model, n.name, underlays));
      expect(again).toEqual({ changed: false, summary: [] });
    }
  });

  describe.each(BACKENDS)("%s", (backend) => {
    it.each(["address", "mark"] as const)("identity %s: the kernel equals decide", async (identity) => {
      const m = withIdentity(model, identity);
      await enforceAll(lab, m, backend);
      // Address mode over the overlay judges as the routed lab does, where test/kernel/examples.test.ts probes
      // UDP too; here it proves the overlay's path, on TCP, to keep the file short.
      const protocols = identity === "mark" ? (["TCP", "UDP"] as const) : (["TCP"] as const);
      const ports = declaredPorts(m).flatMap((p) => protocols.map((protocol) => ({ port: p.port, protocol })));
      const expected = allPairs(m, ports);
      expect(expected.some((e) => e.allowed)).toBe(true);
      expect(await disagreements(lab, expected)).toEqual([]);
    }, 60_000);
  });
});
