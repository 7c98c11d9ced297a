// The examples, each compiled for the node of its first workload.
import { readdirSync, readFileSync } from "node:fs";
import { compile, type Plan } from "../../src/compile/index.js";
import { buildModel, parseDocuments } from "../../src/model/index.js";

export interface Example {
  name: string;
  node: string;
  plan: Plan;
}

export function examples(): Example[] {
  return readdirSync("examples")
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => {
      const { docs, issues } = parseDocuments(readFileSync(`examples/${f}`, "utf8"), f);
      const r = buildModel(docs);
      if (issues.length || !r.ok) throw new Error(`examples/${f} does not validate`);
      const node = r.value.workloads[0]!.node;
      return { name: f.replace(/\.yaml$/, ""), node, plan: compile(r.value, node) };
    });
}
