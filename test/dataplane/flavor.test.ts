import { describe, expect, it } from "vitest";
import { applyPlan, detectFlavor } from "../../src/dataplane/index.js";
import { FakeKernel } from "../support/fake-kernel.js";
import { ipt, planA, plantForeign } from "./fixtures.js";

const LEGACY = "iptables v1.8.7 (legacy)";
const NFT = "iptables v1.8.9 (nf_tables)";

describe("detectFlavor", () => {
  it("picks legacy when the legacy tables hold the rules, whatever iptables points at", async () => {
    const k = new FakeKernel({ version: NFT });
    plantForeign(k, "legacy");
    expect(await detectFlavor(k)).toBe("legacy");
  });

  it("picks nft when the nf_tables tables hold the rules", async () => {
    const k = new FakeKernel({ version: LEGACY });
    plantForeign(k, "nft");
    expect(await detectFlavor(k)).toBe("nft");
  });

  it("picks the backend with more rules when both have some", async () => {
    const k = new FakeKernel({ version: LEGACY });
    plantForeign(k, "nft");
    k.plant("legacy", 4, "*filter\n-A FORWARD -j ACCEPT\nCOMMIT\n");
    expect(await detectFlavor(k)).toBe("nft");
  });

  it.each([
    [LEGACY, "legacy"],
    [NFT, "nft"],
  ])("with no rules anywhere follows `iptables --version` (%s)", async (version, flavor) => {
    const k = new FakeKernel({ version });
    expect(await detectFlavor(k)).toBe(flavor);
    expect(k.commands(/^iptables --version$/)).toHaveLength(1);
  });

  it("says so when iptables is missing", async () => {
    const k = new FakeKernel({ version: undefined });
    await expect(detectFlavor(k)).rejects.toThrow(/iptables is not installed or does not run: spawn iptables ENOENT/);
  });
});

describe("applyPlan writes where the host's rules are", () => {
  it("uses the legacy tools on a legacy host and leaves nf_tables alone", async () => {
    const k = new FakeKernel({ version: NFT });
    plantForeign(k, "legacy");
    const nft = [k.saveText("nft", 4), k.saveText("nft", 6)];
    const report = await applyPlan(k, planA, ipt);
    expect(report.flavor).toBe("legacy");
    expect(k.commands(/-restore/).every((c) => /^ip6?tables-legacy-restore -w 10 --noflush$/.test(c))).toBe(true);
    expect(k.saveText("legacy", 4)).toContain("-j moat-a-fwd");
    expect([k.saveText("nft", 4), k.saveText("nft", 6)]).toEqual(nft);
  });

  it("takes an explicit flavor without asking the host", async () => {
    const k = new FakeKernel({ version: undefined });
    const report = await applyPlan(k, planA, { flavor: "nft" });
    expect(report.flavor).toBe("nft");
    expect(k.commands(/--version|legacy/)).toEqual([]);
  });
});
