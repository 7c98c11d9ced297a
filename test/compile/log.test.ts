// Settings.spec.logDenied: every way to the deny chain passes a chain that logs first, named by the
// policy rule (or the default) that denied; nothing else of the Plan changes, and neither do verdicts.
import { describe, expect, it } from "vitest";
import { compile } from "../../src/compile/index.js";
import { readdirSync, readFileSync } from "node:fs";
import { buildModel, parseDocuments, type Model } from "../../src/model/index.js";
import { simulateFlow } from "../../src/simulate/index.js";

const examples = () =>
  readdirSync("examples")
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => {
      const built = buildModel(parseDocuments(readFileSync(`examples/${f}`, "utf8"), f).docs);
      if (!built.ok) throw new Error(`examples/${f} does not validate`);
      return { model: built.value, node: built.value.workloads[0]!.node };
    });
const plans = (m: Model) => new Map([...new Set(m.workloads.map((w) => w.node))].map((n) => [n, compile(m, n)]));

const logging = (m: Model): Model => ({ ...m, settings: { ...m.settings, logDenied: true, logGroup: 7, logRate: "3/minute", logBurst: 2 } });

describe("logDenied", () => {
  it("leaves the Plan as it is when off, and routes every deny through a logging chain when on", () => {
    const model = examples()[0]!.model;
    const plain = compile(model, examples()[0]!.node);
    const logged = compile(logging(model), examples()[0]!.node);
    const gotoDeny = (p: typeof plain) => p.chains.filter((c) => c.name !== "deny" && !c.name.startsWith("ld-")).flatMap((c) => c.rules.filter((r) => r.verdict.kind === "goto" && r.verdict.chain === "deny"));
    expect(gotoDeny(plain).length).toBeGreaterThan(0);
    expect(gotoDeny(logged)).toEqual([]);
    const logChains = logged.chains.filter((c) => c.name.startsWith("ld-"));
    expect(logChains.length).toBeGreaterThan(0);
    for (const c of logChains) {
      expect(c.rules.map((r) => r.verdict.kind)).toEqual(["log", "goto"]);
      expect(c.rules[0]!.verdict).toMatchObject({ kind: "log", prefix: expect.stringMatching(/^moat deny /), group: 7, rate: "3/minute", burst: 2 });
    }
    expect(logged.chains.at(-1)!.name).toBe("deny");
  });

  it("judges every flow of every example as before", () => {
    for (const { model } of examples()) {
      const plain = plans(model);
      const logged = plans(logging(model));
      for (const src of model.workloads) for (const dst of model.workloads) {
        for (const ip of src.ips) {
          const to = dst.ips.find((d) => d.family === ip.family);
          if (!to || src === dst) continue;
          for (const port of [80, 8080, 5432]) {
            const flow = { src: ip, dst: to, protocol: "TCP" as const, port };
            expect(simulateFlow(logging(model), logged, flow).allowed, `${src.id} -> ${dst.id}:${port}`).toBe(simulateFlow(model, plain, flow).allowed);
          }
        }
      }
    }
  });
});
