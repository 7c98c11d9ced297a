// Import each conformance step, export it back to Kubernetes, import that again: the matrix must not
// change, on any cell, port or protocol. Exporting the re-import must give the same documents.
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { main } from "../../../src/cli/main.js";
import { exportKubernetes } from "../../../src/importers/index.js";
import type { Model } from "../../../src/model/index.js";
import { matrix } from "../../../src/policy/index.js";
import { fixtureFor, loadCases, PROTOCOLS, policiesOf, stepYaml } from "./conformance-cases.js";
import { memoryIo, modelOf, sources } from "./helpers.js";

const PORTS = [80, 81, 82].flatMap((port) => PROTOCOLS.map((protocol) => ({ port, protocol })));
const verdicts = (m: Model) => matrix(m, PORTS).map((p) => `${p.from} ${p.to} ${p.port}/${p.protocol} ${p.allowed}`);

const steps = loadCases().flatMap((c) => c.steps.map((step, i) => ({ c, step, n: i + 1 })));

describe("export kubernetes, then import again", () => {
  it.each(steps)("$c.file step $n", ({ c, step }) => {
    const fixture = fixtureFor(step);
    const first = modelOf([...fixture, ...policiesOf(step, c.file)]);
    const exported = exportKubernetes(first);
    expect(exported.issues).toEqual([]);
    expect(exported.docs.filter((d) => d.kind === "NetworkPolicy")).toHaveLength(first.policies.length);
    // The exported Namespaces stand in for the fixture's; the pods are the cluster's own.
    const pods = fixture.filter((s) => (s.doc as { kind: string }).kind === "Pod");
    const second = modelOf([...pods, ...sources(exported.docs, "exported.yaml")]);
    expect(verdicts(second)).toEqual(verdicts(first));
    expect(exportKubernetes(second).docs).toEqual(exported.docs);
  });
});

describe("through the CLI", () => {
  const { step } = steps.find(({ c }) => c.file.startsWith("011-"))!;

  it("moat export kubernetes prints documents that moat matrix reads to the same matrix", async () => {
    const files: Record<string, string> = { "step.yaml": stepYaml(step) };
    const exportIo = memoryIo(files);
    expect(await main(["export", "kubernetes", "-f", "step.yaml"], exportIo)).toBe(0);
    expect(exportIo.stderr).toEqual([]);
    files["exported.yaml"] = exportIo.stdout.join("");
    const kinds = parseAllDocuments(files["exported.yaml"]).map((d) => (d.toJS() as { kind: string }).kind);
    expect(kinds).toEqual(["Namespace", "Namespace", "Namespace", "NetworkPolicy"]);
    files["pods.yaml"] = stepYaml({ ...step, objects: [] })
      .split("---\n")
      .filter((d) => /^kind: Pod$/m.test(d))
      .join("---\n");

    const run = async (...f: string[]) => {
      const io = memoryIo(files);
      expect(await main(["matrix", ...f.flatMap((x) => ["-f", x]), "-o", "json"], io)).toBe(0);
      return JSON.parse(io.stdout.join("")).probes;
    };
    expect(await run("pods.yaml", "exported.yaml")).toEqual(await run("step.yaml"));
  });

  it("-o json prints a v1 List", async () => {
    const io = memoryIo({ "step.yaml": stepYaml(step) });
    expect(await main(["export", "kubernetes", "-f", "step.yaml", "-o", "json"], io)).toBe(0);
    const list = parse(io.stdout.join(""));
    expect(list).toMatchObject({ apiVersion: "v1", kind: "List" });
    expect(list.items.map((i: { kind: string }) => i.kind)).toEqual(["Namespace", "Namespace", "Namespace", "NetworkPolicy"]);
  });
});
