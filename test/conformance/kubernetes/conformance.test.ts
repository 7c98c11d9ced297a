// The Kubernetes NetworkPolicy conformance set (README.md here): for every upstream e2e test and every
// state it checks, moat must give upstream's truth table on every cell but loopback. Three views:
// the policy layer's matrix, `moat matrix -o json`, and the simulator walking the compiled Plan.
import { describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import { compile, type Plan } from "../../../src/compile/index.js";
import { NO_NODE, type SourcedDoc } from "../../../src/model/index.js";
import { matrix, pairAddresses } from "../../../src/policy/index.js";
import { simulateFlow } from "../../../src/simulate/index.js";
import { expectedCells, fixtureFor, loadCases, PODS, policiesOf, stepYaml, type Probe } from "../../importers/kubernetes/conformance-cases.js";
import { memoryIo, modelOf } from "../../importers/kubernetes/helpers.js";

const cases = loadCases();
const steps = cases.flatMap((c) => c.steps.map((step, i) => ({ c, step, n: i + 1 })));

type Verdict = { from: string; to: string; allowed: boolean };

/** Cells where moat disagrees with upstream, as readable lines. */
function mismatches(probe: Probe, verdicts: Verdict[]): string[] {
  const got = new Map(verdicts.map((v) => [`${v.from}\0${v.to}`, v.allowed]));
  const out: string[] = [];
  for (const [cell, want] of expectedCells(probe)) {
    if (got.get(cell) !== want) out.push(`${probe.port}/${probe.protocol} ${cell.replace("\0", " -> ")}: expected ${want ? "allowed" : "denied"}, got ${got.get(cell)}`);
  }
  return out;
}

describe("the conformance set itself", () => {
  it("holds the 48 upstream tests in 58 steps and 65 probes, each a 9x9 matrix with a loopback diagonal", () => {
    expect(cases).toHaveLength(48);
    expect(steps).toHaveLength(58);
    const probes = steps.flatMap(({ step }) => step.probes);
    expect(probes).toHaveLength(65);
    for (const p of probes) {
      expect(p.expect).toHaveLength(9);
      p.expect.forEach((row, i) => expect(row).toMatch(new RegExp(`^[01]{${i}}\\.[01]{${8 - i}}$`)));
    }
    // 72 compared cells per probe.
    expect(probes.reduce((n, p) => n + expectedCells(p).size, 0)).toBe(65 * 72);
  });
});

describe("policy layer: matrix", () => {
  it.each(steps)("$c.file step $n: $step.description", ({ c, step }) => {
    const model = modelOf([...fixtureFor(step), ...policiesOf(step, c.file)]);
    expect(model.workloads.map((w) => w.id)).toEqual(PODS);
    const wrong = step.probes.flatMap((probe) => mismatches(probe, matrix(model, [{ port: probe.port, protocol: probe.protocol }])));
    expect(wrong).toEqual([]);
  });
});

describe("CLI: moat matrix -o json", () => {
  it.each(steps)("$c.file step $n", async ({ step }) => {
    const io = memoryIo({ "step.yaml": stepYaml(step) });
    const ports = step.probes.flatMap((p) => ["--port", `${p.port}/${p.protocol.toLowerCase()}`]);
    const code = await main(["matrix", "-f", "step.yaml", ...ports, "-o", "json"], io);
    expect(io.stderr).toEqual([]);
    expect(code).toBe(0);
    const { probes } = JSON.parse(io.stdout.join("")) as { probes: (Verdict & { port: number; protocol: string })[] };
    const wrong = step.probes.flatMap((probe) => mismatches(probe, probes.filter((p) => p.port === probe.port && p.protocol === probe.protocol)));
    expect(wrong).toEqual([]);
  });
});

describe("compile, then simulate the Plan", () => {
  it.each(steps)("$c.file step $n", ({ c, step }) => {
    const model = modelOf([...fixtureFor(step), ...policiesOf(step, c.file)]);
    const nodes = [...new Set(model.workloads.map((w) => w.node))];
    const plans = new Map<string, Plan>(nodes.map((n) => [n, compile(model, n)]));
    const byId = new Map(model.workloads.map((w) => [w.id, w]));
    const wrong = step.probes.flatMap((probe) => {
      const verdicts = [...expectedCells(probe).keys()].map((cell) => {
        const [from, to] = cell.split("\0") as [string, string];
        const [src, dst] = pairAddresses(byId.get(from)!, byId.get(to)!)!;
        return { from, to, allowed: simulateFlow(model, plans, { src, dst, protocol: probe.protocol, port: probe.port }).allowed };
      });
      return mismatches(probe, verdicts);
    });
    expect(wrong).toEqual([]);
  });
});

/** The same documents with every Pod's spec.nodeName removed: pods written for analysis, on no node (issue 7). */
function unplaced(docs: SourcedDoc[]): SourcedDoc[] {
  return docs.map((s) => {
    const d = s.doc as { kind?: string; spec?: Record<string, unknown> };
    if (d.kind !== "Pod") return s;
    const doc = structuredClone(d);
    delete doc.spec!.nodeName;
    return { ...s, doc };
  });
}

describe("pods stripped of spec.nodeName: policy layer matrix", () => {
  it.each(steps)("$c.file step $n", ({ c, step }) => {
    const model = modelOf([...unplaced(fixtureFor(step)), ...policiesOf(step, c.file)]);
    expect(model.workloads.map((w) => w.id)).toEqual(PODS);
    expect(model.workloads.every((w) => w.node === NO_NODE)).toBe(true);
    const wrong = step.probes.flatMap((probe) => mismatches(probe, matrix(model, [{ port: probe.port, protocol: probe.protocol }])));
    expect(wrong).toEqual([]);
  });
});

describe("pods stripped of spec.nodeName: moat matrix -o json", () => {
  it.each(steps)("$c.file step $n", async ({ c, step }) => {
    const text = [...unplaced(fixtureFor(step)), ...policiesOf(step, c.file)].map((s) => JSON.stringify(s.doc)).join("\n---\n");
    const io = memoryIo({ "step.yaml": text });
    const ports = step.probes.flatMap((p) => ["--port", `${p.port}/${p.protocol.toLowerCase()}`]);
    const code = await main(["matrix", "-f", "step.yaml", ...ports, "-o", "json"], io);
    expect(io.stderr).toEqual([]);
    expect(code).toBe(0);
    const { probes } = JSON.parse(io.stdout.join("")) as { probes: (Verdict & { port: number; protocol: string })[] };
    const wrong = step.probes.flatMap((probe) => mismatches(probe, probes.filter((p) => p.port === probe.port && p.protocol === probe.protocol)));
    expect(wrong).toEqual([]);
  });
});
