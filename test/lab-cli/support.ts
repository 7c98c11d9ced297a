// The real ./bin/moat lab and demo as a user runs them, with the labs' folders in a temporary
// directory of the test's own ($MOAT_LAB_DIR) and lab names random enough for namespaces of their own.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanupLabs, listNamespaces } from "../../src/lab/index.js";
import { MOAT, ROOT } from "../support/server-process.js";

export const LAB_DIR = mkdtempSync(join(tmpdir(), "moat-lab-cli-"));
const env = { ...process.env, MOAT_LAB_DIR: LAB_DIR };

/** "t" and four random characters of [a-z0-9]: a lab name (namespaces ml-NAME-*) no other run shares. */
export const labName = () => `t${Math.random().toString(36).slice(2, 6).padEnd(4, "0")}`;
export const prefixOf = (name: string) => `ml-${name}-`;

export function moat(args: string[], opts: { input?: string; timeoutMs?: number } = {}) {
  const r = spawnSync(process.execPath, [MOAT, ...args], { cwd: ROOT, env, input: opts.input, encoding: "utf8", timeout: opts.timeoutMs ?? 90_000 });
  if (r.error) throw r.error;
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** moat in the background: resolves its exit, and lets the test wait for a line of its stderr. */
export function moatAsync(args: string[]) {
  const child = spawn(process.execPath, [MOAT, ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const waitFor = async (pattern: RegExp, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(err)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`moat ${args.join(" ")} never printed ${pattern}: ${err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { child, exited, waitFor, stderr: () => err };
}

export interface State {
  prefix: string;
  status: string;
  server?: { url: string; tokenFile: string };
  nodes: Record<string, string>;
}

export const stateOf = (name: string) => JSON.parse(readFileSync(join(LAB_DIR, name, "state.json"), "utf8")) as State;

export function pidsOf(name: string): number[] {
  const dir = join(LAB_DIR, name, "pids");
  if (!existsSync(dir)) return [];
  return readdirSync(dir).map((f) => Number(readFileSync(join(dir, f), "utf8").trim()));
}

export const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};

export const namespacesOf = async (name: string) => (await listNamespaces()).filter((n) => n.startsWith(prefixOf(name)));

/** After a test, whatever happened: the lab's processes and namespaces are gone. */
export async function forceDown(name: string, pids: number[]): Promise<void> {
  moat(["lab", "down", "--name", name]);
  for (const pid of pids) {
    try {
      // Only a process of this test's labs (its command line names their folder), never a reused pid.
      if (alive(pid) && readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(LAB_DIR)) process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  await cleanupLabs(prefixOf(name));
}
