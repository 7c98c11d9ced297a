// Identities (Settings.identity mark) in the pure layers: the Plans of three nodes, walked by the
// simulator with the mark carried over the overlay, judge every flow of every example as decide does;
// identities are stable and distinct; and a new workload with a known label set on one node changes
// nothing in the Plans of the others (it does without identities).
import { describe, expect, it } from "vitest";
import { compile, identities, type Plan } from "../../src/compile/index.js";
import { decide } from "../../src/policy/index.js";
import { simulateFlow } from "../../src/simulate/index.js";
import type { Model } from "../../src/model/index.js";
import { exampleFiles, modelOf, OVERLAY_NODES, spreadDocs, spreadExample } from "./spread.js";
import { readFileSync } from "node:fs";
import { withLabInterfaces } from "../../src/lab/index.js";

const PORTS = [
  { protocol: "TCP" as const, port: 80 },
  { protocol: "TCP" as const, port: 8080 },
  { protocol: "TCP" as const, port: 22 },
  { protocol: "UDP" as const, port: 53 },
];

function disagreements(model: Model): string[] {
  const plans = new Map<string, Plan>(OVERLAY_NODES.map((n) => [n, compile(model, n)]));
  const out: string[] = [];
  for (const a of model.workloads) {
    for (const b of model.workloads) {
      if (a === b) continue;
      for (const src of a.ips) {
        const dst = b.ips.find((ip) => ip.family === src.family);
        if (!dst) continue;
        for (const p of PORTS) {
          const flow = { src, dst, protocol: p.protocol, port: p.port };
          const want = decide(model, flow).allowed;
          const got = simulateFlow(model, plans, flow).allowed;
          if (want !== got) out.push(`${a.id} -> ${b.id} ${p.protocol}/${p.port}: simulate ${got}, decide ${want}`);
        }
      }
    }
  }
  return out;
}

describe.each(exampleFiles())("%s over three nodes", (file) => {
  it.each(["address", "mark"] as const)("simulate equals decide with identity %s", (mode) => {
    const model = spreadExample(file, mode);
    expect(new Set(model.workloads.map((w) => w.node)).size).toBeGreaterThan(1);
    expect(disagreements(model)).toEqual([]);
  });
});

describe("identities", () => {
  const model = spreadExample("rancher-label-isolation.yaml", "mark");
  it("are 16-bit, non-zero, one per label set without name and node", () => {
    const ids = identities(model);
    for (const id of ids.values()) expect(id).toBeGreaterThan(0), expect(id).toBeLessThanOrEqual(0xffff);
    const byKey = new Map<string, Set<number>>();
    for (const w of model.workloads) {
      const key = JSON.stringify(Object.entries(w.labels).filter(([k]) => k !== "moat.dev/name" && k !== "moat.dev/node").sort());
      byKey.set(key, (byKey.get(key) ?? new Set()).add(ids.get(w)!));
    }
    for (const set of byKey.values()) expect(set.size).toBe(1);
    expect(new Set(ids.values()).size).toBe(byKey.size);
  });

  it("are the same for the same model built again (every node computes the same numbers)", () => {
    const again = spreadExample("rancher-label-isolation.yaml", "mark");
    expect(again.workloads.map((w) => identities(again).get(w))).toEqual(model.workloads.map((w) => identities(model).get(w)));
  });
});

/** The example plus one workload on node-2 that copies the labels of an existing one. */
function withNewWorkload(file: string, mode: "address" | "mark") {
  const docs = spreadDocs(readFileSync(new URL(`../../examples/${file}`, import.meta.url), "utf8"), mode, file);
  const before = modelOf(docs);
  const template = docs.find((d) => d.kind === "Workload")!;
  const ip = (template.spec!.ips as string[])[0]!.replace(/\.(\d+)$/, (_, n: string) => `.${Number(n) === 250 ? 249 : 250}`);
  const copy = structuredClone(template);
  copy.metadata = { ...copy.metadata, name: "newcomer" };
  copy.spec = { ...copy.spec, node: "node-2", ips: [ip] };
  delete copy.spec.interface;
  return { before, after: modelOf([...docs, copy]) };
}

const planText = (p: Plan) => JSON.stringify({ sets: p.sets, chains: p.chains });

describe("a new workload with a known label set on node-2", () => {
  it.each(["cloudfoundry-c2c.yaml", "dcos-overlays.yaml", "rancher-label-isolation.yaml"])("changes nothing on node-1 and node-3 with identities (%s)", (file) => {
    const { before, after } = withNewWorkload(file, "mark");
    for (const node of ["node-1", "node-3"]) expect(planText(compile(after, node))).toBe(planText(compile(before, node)));
    expect(planText(compile(after, "node-2"))).not.toBe(planText(compile(before, "node-2")));
  });

  it.each(["cloudfoundry-c2c.yaml", "dcos-overlays.yaml", "rancher-label-isolation.yaml"])("changes set members on node-1 without identities (%s)", (file) => {
    const { before, after } = withNewWorkload(file, "address");
    expect(planText(compile(after, "node-1"))).not.toBe(planText(compile(before, "node-1")));
  });
});

describe("simulate == decide on generated models with identities", () => {
  it("agrees on every generated flow, the mark carried from node-a to node-b over moat.vx", async () => {
    const fc = (await import("fast-check")).default;
    const { flowArb, scenarioArb } = await import("../support/random-model.js");
    let flows = 0;
    fc.assert(
      fc.property(
        scenarioArb.chain((s) => fc.tuple(fc.constant(s), fc.array(flowArb(s), { minLength: 1, maxLength: 20 }))),
        ([scenario, list]) => {
          const model: Model = { ...scenario.model, settings: { ...scenario.model.settings, identity: "mark" } };
          const plans = new Map<string, Plan>(["node-a", "node-b"].map((n) => [n, compile(model, n)]));
          for (const flow of list) {
            flows++;
            const want = decide(model, flow);
            const got = simulateFlow(model, plans, flow);
            if (got.allowed !== want.allowed) throw new Error(`${flow.src.text} -> ${flow.dst.text} ${flow.protocol}/${flow.port ?? "-"}: decide ${want.allowed} (${want.reason}), simulate ${got.allowed}; model ${JSON.stringify(scenario.docs)}`);
          }
        },
      ),
      { numRuns: 300, seed: Number(process.env.MOAT_SEED ?? 20261202) },
    );
    expect(flows).toBeGreaterThan(500);
  }, 120_000);
});

describe("revoking with identities", () => {
  it("judges flows from local workloads again, and leaves flows from other nodes alone (their identity is not in conntrack)", async () => {
    const { deniedByPlan } = await import("../../src/dataplane/index.js");
    const model = spreadExample("cloudfoundry-c2c.yaml", "mark");
    const ip = (id: string) => model.workloads.find((w) => w.id === id)!.ips[0]!.text;
    // appA-0 on node-1 may reach appB-0 on node-2 on 8080; appB-1 (node-3) may not.
    const node2 = compile(model, "node-2");
    expect(deniedByPlan(node2, { family: 4, protocol: "tcp", src: ip("appA-0"), dst: ip("appB-0"), dport: 8080 })).toBe(false);
    expect(deniedByPlan(node2, { family: 4, protocol: "tcp", src: ip("appB-1"), dst: ip("appB-0"), dport: 8080 })).toBe(false);
    // Without identities the same flow is judged by address, and denied.
    const addressMode = compile({ ...model, settings: { ...model.settings, identity: "address" } }, "node-2");
    expect(deniedByPlan(addressMode, { family: 4, protocol: "tcp", src: ip("appB-1"), dst: ip("appB-0"), dport: 8080 })).toBe(true);
  });

  it("judges a flow between two workloads of one node by their identities", async () => {
    const { deniedByPlan } = await import("../../src/dataplane/index.js");
    const model = withLabInterfaces(spreadExample("rancher-label-isolation.yaml", "mark"));
    const plan = compile(model, "node-1");
    const local = model.workloads.filter((w) => w.node === "node-1");
    let denied = 0;
    let allowed = 0;
    for (const a of local) {
      for (const b of local) {
        if (a === b) continue;
        const want = !decide(model, { src: a.ips[0]!, dst: b.ips[0]!, protocol: "TCP", port: 80 }).allowed;
        expect(deniedByPlan(plan, { family: 4, protocol: "tcp", src: a.ips[0]!.text, dst: b.ips[0]!.text, dport: 80 }), `${a.id} -> ${b.id}`).toBe(want);
        if (want) denied++;
        else allowed++;
      }
    }
    expect(denied).toBeGreaterThan(0);
    expect(allowed).toBeGreaterThan(0);
  });
});
