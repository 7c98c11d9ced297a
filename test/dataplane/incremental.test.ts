import { describe, expect, it } from "vitest";
import { applyPlan } from "../../src/dataplane/index.js";
import { FakeKernel } from "../support/fake-kernel.js";
import { expectedSets, ipt, moatSets, planA, planAWithNewWorkload } from "./fixtures.js";

describe("a workload that comes or goes", () => {
  it("changes set members only: no iptables-restore, the generation stays", async () => {
    expect(planAWithNewWorkload.chains).toEqual(planA.chains);
    const k = new FakeKernel();
    const first = await applyPlan(k, planA, ipt);
    const before = k.calls.length;
    const report = await applyPlan(k, planAWithNewWorkload, ipt);
    const writes = k.calls.slice(before).map((c) => [c.cmd, ...c.args].join(" "));
    expect(report).toMatchObject({ changed: true, rulesChanged: false, generation: first.generation });
    expect(report.setsUpdated).toBeGreaterThan(0);
    expect(writes.filter((w) => /-restore/.test(w))).toEqual([]);
    expect(writes.filter((w) => w === "ipset restore").length).toBeGreaterThan(0);
    expect(moatSets(k)).toEqual(expectedSets(planAWithNewWorkload));
    const back = await applyPlan(k, planA, ipt);
    expect(back).toMatchObject({ changed: true, rulesChanged: false });
    expect(moatSets(k)).toEqual(expectedSets(planA));
  });
});
