// The last Plan this agent applied, kept on disk so that a restarted node enforces it at once, before it
// reaches the server. Written to a temporary file and renamed: a crash never leaves half a file.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Plan } from "../compile/index.js";

export interface LastPlan {
  version: 1;
  node: string;
  /** The store revision the Plan was compiled from. */
  revision: number;
  hash: string;
  plan: Plan;
}

const fileOf = (stateDir: string, node: string) => join(stateDir, `agent-${encodeURIComponent(node)}.plan.json`);

export function loadLastPlan(stateDir: string, node: string): LastPlan | undefined {
  let text: string;
  try {
    text = readFileSync(fileOf(stateDir, node), "utf8");
  } catch {
    return undefined;
  }
  const last = JSON.parse(text) as LastPlan;
  return last.version === 1 && last.node === node ? last : undefined;
}

export function saveLastPlan(stateDir: string, last: LastPlan): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const file = fileOf(stateDir, last.node);
  writeFileSync(`${file}.tmp`, JSON.stringify(last), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}
