// The kernel agrees with decide: every example enforced on its nodes, every ordered pair probed with
// real TCP and UDP connections, on every declared port.
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { declaredPorts } from "../../src/policy/index.js";
import { allPairs, BACKENDS, disagreements, enforce, exampleModel, withLab } from "./harness.js";

const examples = readdirSync(new URL("../../examples/", import.meta.url)).filter((f) => f.endsWith(".yaml")).sort();

describe.each(BACKENDS)("%s", (backend) => {
describe("kernel == decide on the examples", () => {
  it.each(examples)("%s", async (file) => {
    const model = exampleModel(file);
    const ports = declaredPorts(model).flatMap((p) => [{ port: p.port, protocol: "TCP" as const }, { port: p.port, protocol: "UDP" as const }]);
    await withLab(model, async (lab) => {
      const reports = await enforce(lab, model, backend);
      expect(reports.every((r) => r.changed)).toBe(true);
      const expected = allPairs(model, ports);
      expect(expected.some((e) => e.allowed)).toBe(true);
      expect(expected.some((e) => !e.allowed)).toBe(true);
      expect(await disagreements(lab, expected)).toEqual([]);
      console.log(`${file}: ${expected.length} probes agree with decide (${expected.filter((e) => e.allowed).length} allowed)`);
    });
  });
});
});
