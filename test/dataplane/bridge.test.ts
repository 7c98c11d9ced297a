import { describe, expect, it } from "vitest";
import { applyPlan } from "../../src/dataplane/index.js";
import { FakeKernel } from "../support/fake-kernel.js";
import { bridgedPlan, expectedSets, ipt, moatSets, planA } from "./fixtures.js";

const IPV4 = "net.bridge.bridge-nf-call-iptables";
const IPV6 = "net.bridge.bridge-nf-call-ip6tables";

describe("bridge mode", () => {
  it("turns on bridge-nf-call-iptables and ip6tables and says so", async () => {
    const k = new FakeKernel({ bridge: "off" });
    const report = await applyPlan(k, bridgedPlan, ipt);
    expect(k.sysctl.get(IPV4)).toBe("1");
    expect(k.sysctl.get(IPV6)).toBe("1");
    expect(report.notes).toEqual([expect.stringContaining(`turned on ${IPV4}`), expect.stringContaining(`turned on ${IPV6}`)]);
    expect(moatSets(k)).toEqual(expectedSets(bridgedPlan));
    // Bridge ports are matched by rule (-m physdev), not by ipset's physdev: members, which never match in FORWARD.
    expect(k.saveText("nft", 4)).toContain("-A moat-a-spoof -s 10.88.0.11/32 -m physdev --physdev-in vnet1");
  });

  it("loads br_netfilter when it is missing", async () => {
    const k = new FakeKernel({ bridge: "absent" });
    const report = await applyPlan(k, bridgedPlan, ipt);
    expect(k.commands(/^modprobe/)).toEqual(["modprobe br_netfilter"]);
    expect(report.notes).toEqual(["loaded br_netfilter"]);
    expect(k.sysctl.get(IPV4)).toBe("1");
  });

  it("writes no sysctl when both are on already", async () => {
    const k = new FakeKernel({ bridge: "on" });
    const report = await applyPlan(k, bridgedPlan, ipt);
    expect(report.notes).toEqual([]);
    expect(k.commands(/^sysctl -w|^modprobe/)).toEqual([]);
  });

  it("fails with the fix, before touching any rule, when br_netfilter cannot be loaded", async () => {
    const k = new FakeKernel({ bridge: "unavailable" });
    await expect(applyPlan(k, bridgedPlan, ipt)).rejects.toThrow(/bridge mode needs br_netfilter: net\.bridge\.bridge-nf-call-iptables is not available .*modprobe br_netfilter/);
    expect(k.writes().map((c) => c.cmd)).toEqual(["modprobe"]);
  });

  it("leaves sysctls alone for routed plans", async () => {
    const k = new FakeKernel({ bridge: "off" });
    expect(planA.bridged).toBe(false);
    const report = await applyPlan(k, planA, ipt);
    expect(report.notes).toEqual([]);
    expect(k.commands(/^sysctl|^modprobe/)).toEqual([]);
  });
});
