// iptables chain names stop at 28 characters and ipset names at 31; moat's must fit with the generation
// prefix and the family suffix, however long the user's names are.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compile, type Plan } from "../../src/compile/index.js";
import { buildModel, parseDocuments } from "../../src/model/index.js";
import { renderInstall, renderSets } from "../../src/render/index.js";
import { model, namespace, network, policy, workload } from "../model/manifests.js";
import { scaledDocs } from "./fixtures.js";

const long = (c: string) => `${c}${"x-._".repeat(62)}${c}`.slice(0, 253);

function examplePlans(): [string, Plan][] {
  return readdirSync("examples")
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => {
      const { docs } = parseDocuments(readFileSync(`examples/${f}`, "utf8"), f);
      const r = buildModel(docs);
      if (!r.ok) throw new Error(`${f} does not validate`);
      return [f, compile(r.value, r.value.workloads[0]!.node)];
    });
}

const longNamed = compile(
  model(
    namespace(long("n")),
    network(long("N"), ["10.0.0.0/8"], "workload"),
    workload(long("w"), { network: long("N"), ips: ["10.0.0.1"], namespace: long("n"), interface: "eth-0123456789", labels: { [`${"a".repeat(60)}.io/${"k".repeat(63)}`]: "v".repeat(63) } }),
    policy(long("p"), { selector: `${"a".repeat(60)}.io/${"k".repeat(63)} == "${"v".repeat(63)}"`, ingress: [{ action: "Log" }, { action: "Allow", from: { sameLabels: [`${"a".repeat(60)}.io/${"k".repeat(63)}`] } }] }, { namespace: long("n") }),
  ),
  "node-1",
);

const cases: [string, Plan][] = [...examplePlans(), ["scaled model", compile(model(...scaledDocs(12)), "node-1")], ["253-character names", longNamed]];

describe("names fit the kernel's limits", () => {
  it.each(cases)("%s: set names <= 31 characters with the family suffix", (_, plan) => {
    const names = renderSets(plan).map((s) => s.name);
    expect(names.length).toBe(plan.sets.length * 2);
    for (const n of names) expect(n).toMatch(/^moat-[a-z][0-9a-f]{10}-[46]$/);
    expect(Math.max(...names.map((n) => n.length))).toBeLessThanOrEqual(31);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(cases)("%s: chain names <= 28 characters with the generation prefix", (_, plan) => {
    for (const gen of ["a", "b"] as const) {
      const text = renderInstall(plan, 4, gen, "0123456789ab");
      const chains = [...text.matchAll(/^:(\S+)|^-A (\S+)|-[jg] (moat-\S+)/gm)].map((m) => m[1] ?? m[2] ?? m[3]!).filter((c) => c !== "FORWARD");
      expect(chains.length).toBeGreaterThan(plan.chains.length);
      for (const c of chains) expect(c.startsWith(`moat-${gen}-`)).toBe(true);
      expect(Math.max(...chains.map((c) => c.length))).toBeLessThanOrEqual(28);
    }
  });
});
