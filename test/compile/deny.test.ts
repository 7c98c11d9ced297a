import { describe, expect, it } from "vitest";
import { compile } from "../../src/compile/index.js";
import { renderChainRules } from "../../src/render/index.js";
import { model, network, workload } from "../model/manifests.js";
import { settings } from "./fixtures.js";

const docs = [network("n", ["10.0.0.0/24", "fd00::/64"], "workload"), workload("w", { network: "n", ips: ["10.0.0.2"] })];
const denyRules = (extra: unknown[], family: 4 | 6) => renderChainRules(compile(model(...docs, ...extra), "node-1"), family, "a").filter((l) => l.startsWith("-A moat-a-deny "));

describe("Settings denyAction", () => {
  it("rejects by default: TCP with a reset, the rest with ICMP administratively prohibited", () => {
    expect(denyRules([], 4)).toEqual([
      "-A moat-a-deny -p tcp -m comment --comment deny -j REJECT --reject-with tcp-reset",
      "-A moat-a-deny -m comment --comment deny -j REJECT --reject-with icmp-admin-prohibited",
    ]);
    expect(denyRules([settings("Reject")], 6)).toEqual([
      "-A moat-a-deny -p tcp -m comment --comment deny -j REJECT --reject-with tcp-reset",
      "-A moat-a-deny -m comment --comment deny -j REJECT --reject-with icmp6-adm-prohibited",
    ]);
  });

  it("drops silently with Drop", () => {
    for (const family of [4, 6] as const) expect(denyRules([settings("Drop")], family)).toEqual(["-A moat-a-deny -m comment --comment deny -j DROP"]);
  });

  it("sends every deny through the one deny chain", () => {
    const plan = compile(model(...docs, settings("Drop")), "node-1");
    const verdicts = plan.chains.flatMap((c) => c.rules.filter((r) => c.name !== "deny" && ["drop", "reject"].includes(r.verdict.kind)).map((r) => r.comment));
    // Besides the deny chain, only invalid and spoofed packets are dropped, and silently.
    const spoofed = (c: string) => c.startsWith("source address is not one of ") || c === "address of a local workload from another interface";
    expect(verdicts.filter((c) => !spoofed(c))).toEqual(["invalid packets"]);
  });
});
