// The Kubernetes NetworkPolicy conformance set (README.md here): for every upstream e2e test and every
// state it checks, moat's matrix over the imported manifests must equal upstream's truth table on
// every cell but loopback. Run through the policy layer, and through `moat matrix -o json`.
import { describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import type { Io } from "../../../src/cli/io.js";
import { toMoatDocuments } from "../../../src/dialects/index.js";
import { buildModel, formatIssue, type Model } from "../../../src/model/index.js";
import { matrix } from "../../../src/policy/index.js";
import { expectedCells, fixtureFor, loadCases, PODS, policiesOf, stepYaml, type Probe } from "../../dialects/kubernetes/conformance-cases.js";

const cases = loadCases();

function modelOf(sources: Parameters<typeof toMoatDocuments>[0]): Model {
  const converted = toMoatDocuments(sources);
  const built = buildModel(converted.docs);
  const issues = [...converted.issues, ...(built.ok ? [] : built.issues)];
  if (issues.length || !built.ok) throw new Error(issues.map(formatIssue).join("\n"));
  return built.value;
}

/** Cells where moat disagrees with upstream, as readable lines. */
function mismatches(probe: Probe, verdicts: { from: string; to: string; allowed: boolean }[]): string[] {
  const got = new Map(verdicts.map((v) => [`${v.from}\0${v.to}`, v.allowed]));
  const out: string[] = [];
  for (const [cell, want] of expectedCells(probe)) {
    if (got.get(cell) !== want) out.push(`${probe.port}/${probe.protocol} ${cell.replace("\0", " -> ")}: expected ${want ? "allowed" : "denied"}, got ${got.get(cell)}`);
  }
  return out;
}

function memoryIo(files: Record<string, string>): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (t) => void stdout.push(t),
    err: (t) => void stderr.push(t),
    readFile: async (p) => {
      if (!(p in files)) throw new Error(`ENOENT: ${p}`);
      return files[p]!;
    },
    readStdin: async () => "",
  };
}

describe("the conformance set itself", () => {
  it("holds the 48 upstream tests in 58 steps and 65 probes, each a 9x9 matrix with a loopback diagonal", () => {
    expect(cases).toHaveLength(48);
    const steps = cases.flatMap((c) => c.steps);
    expect(steps).toHaveLength(58);
    const probes = steps.flatMap((s) => s.probes);
    expect(probes).toHaveLength(65);
    for (const p of probes) {
      expect(p.expect).toHaveLength(9);
      p.expect.forEach((row, i) => expect(row).toMatch(new RegExp(`^[01]{${i}}\\.[01]{${8 - i}}$`)));
    }
  });
});

describe.each(cases)("$file: $name", (c) => {
  it.each(c.steps.map((step, i) => ({ step, n: i + 1 })))("step $n: $step.description", ({ step }) => {
    const model = modelOf([...fixtureFor(step), ...policiesOf(step, c.file)]);
    expect(model.workloads.map((w) => w.id)).toEqual(PODS);
    const wrong = step.probes.flatMap((probe) => mismatches(probe, matrix(model, [{ port: probe.port, protocol: probe.protocol }])));
    expect(wrong).toEqual([]);
  });
});

describe("through the CLI: moat matrix -o json", () => {
  it.each(cases.flatMap((c) => c.steps.map((step, i) => ({ c, step, n: i + 1 }))))("$c.file step $n", async ({ step }) => {
    const io = memoryIo({ "step.yaml": stepYaml(step) });
    const ports = step.probes.flatMap((p) => ["--port", `${p.port}/${p.protocol.toLowerCase()}`]);
    const code = await main(["matrix", "-f", "step.yaml", ...ports, "-o", "json"], io);
    expect(io.stderr).toEqual([]);
    expect(code).toBe(0);
    const { probes } = JSON.parse(io.stdout.join("")) as { probes: { from: string; to: string; port: number; protocol: string; allowed: boolean }[] };
    const wrong = step.probes.flatMap((probe) => mismatches(probe, probes.filter((p) => p.port === probe.port && p.protocol === probe.protocol)));
    expect(wrong).toEqual([]);
  });
});
