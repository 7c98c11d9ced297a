// Kernel test: every example model builds as a lab (routed, or bridged where its network names a
// bridge) in which every ordered pair connects on every declared port while no rule is applied, the
// starting point of comparing the kernel with decide.
import { readdirSync, readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { buildModel, formatIssue, parseDocuments, type Model } from "../../src/model/index.js";
import { cleanupLabs, createLab, labPrefix, requireKernelTools, withLabInterfaces, type ProbeRequest } from "../../src/lab/index.js";

const DIR = new URL("../../examples/", import.meta.url);
const files = readdirSync(DIR).filter((f) => f.endsWith(".yaml")).sort();
const prefixes: string[] = [];

function load(file: string): Model {
  const { docs, issues } = parseDocuments(readFileSync(new URL(file, DIR), "utf8"), file);
  const built = buildModel(docs);
  if (issues.length || !built.ok) throw new Error([...issues, ...(built.ok ? [] : built.issues)].map(formatIssue).join("\n"));
  return withLabInterfaces(built.value);
}

afterAll(async () => {
  for (const p of prefixes) await cleanupLabs(p);
});

describe("examples as labs (kernel)", () => {
  it.each(files)("%s: every pair connects on every declared port with no rules", async (file) => {
    await requireKernelTools();
    const model = load(file);
    const prefix = labPrefix();
    prefixes.push(prefix);
    const lab = await createLab(model, { prefix });
    try {
      const ports = [...new Map(model.workloads.flatMap((w) => w.ports).filter((p) => p.protocol !== "SCTP").map((p) => [`${p.protocol}/${p.port}`, p])).values()];
      for (const p of ports) await lab.listenAll(p.port, p.protocol as "TCP" | "UDP");
      const list: ProbeRequest[] = model.workloads.flatMap((a) =>
        model.workloads.filter((b) => b !== a).flatMap((b) =>
          b.ips.flatMap((ip) => (a.ips.some((x) => x.family === ip.family) ? ports.map((p) => ({ from: a.id, to: ip.text, port: p.port, protocol: p.protocol as "TCP" | "UDP" })) : [])),
        ),
      );
      const results = await lab.probeMany(list);
      expect(list.length).toBeGreaterThan(0);
      expect(results.filter((r) => !r.connected).map((r) => `${r.protocol} ${r.from} -> ${r.to}:${r.port} ${r.outcome} ${r.detail}`)).toEqual([]);
    } finally {
      await lab.destroy();
    }
  });
});
