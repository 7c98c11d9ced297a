// Reads the Kubernetes conformance set (test/conformance/kubernetes, see its README): the fixture of
// 3 namespaces x 3 pods, and per case the steps, each with its objects and expected matrices.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { parseDocuments, type SourcedDoc } from "../../../src/model/index.js";

export const DIR = join(import.meta.dirname, "../../conformance/kubernetes");
export const PODS = ["x/a", "x/b", "x/c", "y/a", "y/b", "y/c", "z/a", "z/b", "z/c"];
export const PROTOCOLS = ["TCP", "UDP", "SCTP"] as const;

export interface Probe {
  port: number;
  protocol: (typeof PROTOCOLS)[number];
  expect: string[];
}

export interface Step {
  description: string;
  objects: Record<string, any>[];
  probes: Probe[];
}

export interface Case {
  file: string;
  name: string;
  steps: Step[];
}

export function loadCases(): Case[] {
  return readdirSync(join(DIR, "cases"))
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((file) => ({ file, ...(parse(readFileSync(join(DIR, "cases", file), "utf8")) as Omit<Case, "file">) }));
}

const fixtureText = () => readFileSync(join(DIR, "fixture.yaml"), "utf8");

const isOverride = (o: Record<string, any>) => o.apiVersion === "v1" && (o.kind === "Namespace" || o.kind === "Pod");
const sameObject = (a: Record<string, any>, b: Record<string, any>) =>
  a.kind === b.kind && a.metadata?.name === b.metadata?.name && (a.metadata?.namespace ?? "") === (b.metadata?.namespace ?? "");

/** The fixture's documents with this step's Namespace/Pod objects replacing their labels. */
export function fixtureFor(step: Step, file = "fixture.yaml"): SourcedDoc[] {
  const { docs, issues } = parseDocuments(fixtureText(), file);
  if (issues.length) throw new Error(`fixture does not parse: ${issues.map((i) => i.message).join("; ")}`);
  for (const o of step.objects.filter(isOverride)) {
    const target = docs.find((d) => sameObject(d.doc as Record<string, any>, o));
    if (!target) throw new Error(`step "${step.description}" overrides ${o.kind} ${o.metadata?.namespace ?? ""}/${o.metadata?.name}, which the fixture lacks`);
    const doc = structuredClone(target.doc) as Record<string, any>;
    doc.metadata.labels = o.metadata.labels;
    target.doc = doc;
  }
  return docs;
}

/** The step's own objects other than label overrides: its NetworkPolicies. */
export function policiesOf(step: Step, file: string): SourcedDoc[] {
  return step.objects.filter((o) => !isOverride(o)).map((doc, index) => ({ file, index, doc }));
}

/** The whole input of a step as one YAML file, for the CLI. */
export function stepYaml(step: Step): string {
  return [...fixtureFor(step), ...policiesOf(step, "case")].map((s) => stringify(s.doc, { version: "1.1" })).join("---\n");
}

/** The expected verdicts of a probe: "from\0to" -> allowed, loopback left out. */
export function expectedCells(probe: Probe): Map<string, boolean> {
  const cells = new Map<string, boolean>();
  probe.expect.forEach((row, i) => {
    [...row].forEach((c, j) => {
      if (i !== j) cells.set(`${PODS[i]}\0${PODS[j]}`, c === "1");
    });
  });
  return cells;
}
