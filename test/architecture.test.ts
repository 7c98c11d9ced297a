// The import graph, guarded (STYLE.md 9 and 10): the pure layers never reach I/O, a layer is entered
// only through its index.ts, and no module imports itself back through a cycle.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(new URL("../src", import.meta.url).pathname);
const PURE = ["model", "policy", "compile", "render", "simulate", "importers", "errors", "analyze", "overlay", "ipam"];
/** Node built-ins a pure layer may use: computation only, no I/O. */
const PURE_BUILTINS = new Set(["node:crypto"]);

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
}

const all = files(SRC);
const importsOf = (file: string) =>
  [...readFileSync(file, "utf8").matchAll(/^(?:import|export)\s[^;]*?from\s+"([^"]+)"/gms)].map((m) => m[1]!);
const layerOf = (file: string) => relative(SRC, file).split("/")[0]!;
const target = (file: string, spec: string) => resolve(dirname(file), spec).replace(/\.js$/, ".ts");

describe("import graph", () => {
  it("reads every source file", () => expect(all.length).toBeGreaterThan(50));

  it("keeps the pure layers free of I/O", () => {
    const bad: string[] = [];
    for (const f of all.filter((f) => PURE.includes(layerOf(f)))) {
      for (const spec of importsOf(f)) {
        if (spec.startsWith("node:") && !PURE_BUILTINS.has(spec)) bad.push(`${relative(SRC, f)} imports ${spec}`);
        if (spec.startsWith(".") && !PURE.includes(layerOf(target(f, spec)))) bad.push(`${relative(SRC, f)} imports ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("enters another layer only through its index.ts (a dialect through its own)", () => {
    const bad: string[] = [];
    const entry = (t: string) => /^[a-z]+\/index\.ts$|^importers\/[a-z]+\/index\.ts$/.test(relative(SRC, t));
    for (const f of all) {
      for (const spec of importsOf(f).filter((s) => s.startsWith("."))) {
        const t = target(f, spec);
        if (layerOf(t) !== layerOf(f) && !entry(t)) bad.push(`${relative(SRC, f)} imports ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("has no import cycles", () => {
    const graph = new Map(all.map((f) => [f, importsOf(f).filter((s) => s.startsWith(".")).map((s) => target(f, s))]));
    const state = new Map<string, "open" | "done">();
    const cycles: string[] = [];
    const visit = (f: string, path: string[]) => {
      if (state.get(f) === "done") return;
      if (state.get(f) === "open") return void cycles.push([...path.slice(path.indexOf(f)), f].map((p) => relative(SRC, p)).join(" -> "));
      state.set(f, "open");
      for (const t of graph.get(f) ?? []) visit(t, [...path, f]);
      state.set(f, "done");
    };
    for (const f of all) visit(f, []);
    expect(cycles).toEqual([]);
  });
});
