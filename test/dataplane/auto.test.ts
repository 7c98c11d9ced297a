// What `--backend auto` picks: the backend of the record, else nftables where nft works, else iptables.
import { describe, expect, it } from "vitest";
import { applyPlan, readStatus } from "../../src/dataplane/index.js";
import { FakeKernel } from "../support/fake-kernel.js";
import { planA } from "./fixtures.js";

describe("auto", () => {
  it("picks nftables on a host where nft takes a transaction, and reads status there", async () => {
    const k = new FakeKernel();
    expect((await readStatus(k)).backend).toBe("nftables");
    expect((await applyPlan(k, planA)).backend).toBe("nftables");
    expect(k.nft.tables.has("inet moat-a")).toBe(true);
    expect(k.saveText("nft", 4)).not.toMatch(/moat-a-fwd/);
    // The check is a check-only transaction: nothing is left of it.
    expect(k.commands(/^nft -c -f -$/).length).toBeGreaterThan(0);
  });

  it("picks iptables where nft is not installed", async () => {
    const k = new FakeKernel();
    k.missing.add("nft");
    expect((await applyPlan(k, planA)).backend).toBe("iptables");
    expect(k.saveText("nft", 4)).toMatch(/-j moat-a-fwd/);
    expect((await readStatus(k)).backend).toBe("iptables");
  });

  it("keeps the backend in use: a host applied through iptables stays there", async () => {
    const k = new FakeKernel();
    await applyPlan(k, planA, { backend: "iptables" });
    const report = await applyPlan(k, planA);
    expect(report).toMatchObject({ backend: "iptables", changed: false });
    expect(k.nft.tables.has("inet moat-a")).toBe(false);
  });
});
