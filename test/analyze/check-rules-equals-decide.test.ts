// The analyzer and the renderer agree: for random models, `moat check --rules` on `moat compile -o text`
// of each node a flow passes gives decide's verdict (allowed when every node's FORWARD lets it through).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { passInterfaces } from "../../src/analyze/index.js";
import type { Model } from "../../src/model/index.js";
import { decide, lookup, type Flow } from "../../src/policy/index.js";
import { run } from "../cli/fake-io.js";
import { flowArb, scenarioArb } from "../support/random-model.js";

/** The check --rules flags of one node's pass, with the interfaces verify and simulateFlow give the packet. */
function passFlags(model: Model, flow: Flow, node: string): string[] {
  const pass = passInterfaces(model, flow, node);
  const flags = ["--from", flow.src.text, "--to", flow.dst.text, "--protocol", flow.protocol.toLowerCase()];
  if (flow.port !== undefined) flags.push("--port", String(flow.port));
  flags.push("--in-interface", pass.inIface);
  if (pass.physIn) flags.push("--physdev-in", pass.physIn);
  flags.push("--out-interface", pass.outIface);
  if (pass.physOut) flags.push("--physdev-out", pass.physOut);
  return flags;
}

/** The scenario's documents with Settings allowAction set (Return: allows climb back to FORWARD by mark). */
function withAllowAction(docs: unknown[], allowAction: "Accept" | "Return"): unknown[] {
  if (allowAction === "Accept") return docs;
  const out = structuredClone(docs) as { kind?: string; spec?: Record<string, unknown> }[];
  const settings = out.find((d) => d.kind === "Settings");
  if (settings) settings.spec = { ...settings.spec, allowAction };
  else out.push({ apiVersion: "moat.dev/v1", kind: "Settings", metadata: { name: "default" }, spec: { allowAction } } as (typeof out)[number]);
  return out;
}

// Return is the case that needs the walk's call stack: an allow several jumps deep must get back to
// FORWARD (whose policy, ACCEPT in compile -o text, then lets it through) and not into the next policy.
describe.each(["Accept", "Return"] as const)("check --rules (compile -o text) == decide, allowAction %s", (allowAction) => {
  it("agrees on generated models and flows", async () => {
    let flows = 0;
    let denied = 0;
    await fc.assert(
      fc.asyncProperty(scenarioArb.chain((s) => fc.tuple(fc.constant(s), fc.array(flowArb(s), { minLength: 1, maxLength: 10 }))), async ([scenario, list]) => {
        const files: Record<string, string> = { "model.json": JSON.stringify({ apiVersion: "v1", kind: "List", items: withAllowAction(scenario.docs, allowAction) }) };
        for (const node of ["node-a", "node-b"]) {
          const compiled = await run(["compile", "-f", "model.json", "--node", node, "-o", "text", "--backend", "iptables"], files);
          if (compiled.code !== 0) throw new Error(`compile failed: ${compiled.err}`);
          files[`${node}.rules`] = compiled.out;
        }
        const l = lookup(scenario.model);
        for (const flow of list) {
          flows++;
          const expected = decide(scenario.model, flow);
          const src = l.workloadAt(flow.src);
          const dst = l.workloadAt(flow.dst);
          if (src && src === dst) continue;
          const nodes = [...new Set([src?.node, dst?.node].filter((n): n is string => !!n))];
          let allowed = true;
          const seen: string[] = [];
          for (const node of nodes) {
            const r = await run(["check", "--rules", `${node}.rules`, ...passFlags(scenario.model, flow, node), "-o", "json"], files);
            if (r.code !== 0 && r.code !== 1) throw new Error(`check --rules exit ${r.code}: ${r.err}`);
            if (r.err) throw new Error(`unexpected notes on moat's own rules: ${r.err}`);
            seen.push(`${node}: ${r.out.trim()}`);
            if (r.code === 1) {
              allowed = false;
              break;
            }
          }
          if (!allowed) denied++;
          if (allowed !== expected.allowed) {
            throw new Error(`flow ${flow.src.text} -> ${flow.dst.text} ${flow.protocol}/${flow.port ?? "-"}: decide ${expected.allowed} (${expected.reason}), check --rules ${allowed}\n${seen.join("\n")}\nmodel: ${JSON.stringify(scenario.docs)}`);
          }
        }
      }),
      { numRuns: allowAction === "Accept" ? 400 : 150, seed: Number(process.env.MOAT_SEED ?? 20261202) },
    );
    console.log(`allowAction ${allowAction}: check --rules == decide on ${flows} flows (${denied} denied)`);
    expect(flows).toBeGreaterThan(allowAction === "Accept" ? 1500 : 500);
    expect(denied).toBeGreaterThan(allowAction === "Accept" ? 300 : 100);
  }, 300_000);
});
