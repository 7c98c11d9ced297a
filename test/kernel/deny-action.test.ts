// How a deny looks on the wire: REJECT by default (TCP reset, ICMP admin-prohibited, so the client
// knows at once), DROP when Settings ask for it (the client waits for its timeout).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BACKENDS, enforce, modelFrom, withLab } from "./harness.js";

const dcos = readFileSync(new URL("../../examples/dcos-overlays.yaml", import.meta.url), "utf8");
const drop = "\n---\napiVersion: moat.dev/v1\nkind: Settings\nmetadata: {name: default}\nspec: {denyAction: Drop}\n";

describe.each(BACKENDS)("%s", (backend) => {
describe("deny action (kernel)", () => {
  it.each([
    ["Reject", dcos, "refused"],
    ["Drop", dcos + drop, "timeout"],
  ])("%s", async (_, text, outcome) => {
    const model = modelFrom(text);
    await withLab(model, async (lab) => {
      await enforce(lab, model, backend);
      await lab.listenAll(8080, "TCP");
      await lab.listenAll(8080, "UDP");
      const results = await lab.probeMany([
        { from: "it-1", to: "hr-1", port: 8080, protocol: "TCP" },
        { from: "it-1", to: "hr-1", port: 8080, protocol: "UDP" },
        { from: "hr-2", to: "hr-1", port: 8080, protocol: "TCP" },
      ]);
      expect(results.map((r) => r.outcome)).toEqual([outcome, outcome, "connected"]);
    }, 800);
  });
});
});
