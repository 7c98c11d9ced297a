// The one way moat runs a program. Injected everywhere, so unit tests pass a fake and kernel tests the
// real one inside a network namespace. Its own layer, so that the CNI plugin loads it without the
// dataplane (renderers, apply: 300 ms of a plugin run).
import { spawn } from "node:child_process";
import { CommandFailed } from "../errors/index.js";

export { CommandFailed };

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to the program's stdin (restore files). */
  input?: string;
  /** Variables set for the program on top of this process's environment (a CNI plugin's CNI_*). */
  env?: Record<string, string>;
  /** Aborting kills the program; it then reads as exit 127 with the abort in stderr. */
  signal?: AbortSignal;
}

export interface Runner {
  run(cmd: string, args: string[], opts?: RunOptions): Promise<RunResult>;
}

/** Runs and throws CommandFailed on a non-zero exit. */
export async function runOk(runner: Runner, cmd: string, args: string[], opts?: RunOptions): Promise<RunResult> {
  const result = await runner.run(cmd, args, opts);
  if (result.code !== 0) throw new CommandFailed(cmd, args, result, opts?.input);
  return result;
}

function spawnRun(cmd: string, args: string[], opts?: RunOptions): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"], ...(opts?.env ? { env: { ...process.env, ...opts.env } } : {}), ...(opts?.signal ? { signal: opts.signal } : {}) });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", (e) => resolve({ code: 127, stdout, stderr: stderr + e.message }));
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
    child.stdin.on("error", () => {});
    child.stdin.end(opts?.input ?? "");
  });
}

/** The real runner; with a namespace name, every command runs inside it via `ip netns exec`. */
export function processRunner(netns?: string): Runner {
  return {
    run: (cmd, args, opts) => (netns ? spawnRun("ip", ["netns", "exec", netns, cmd, ...args], opts) : spawnRun(cmd, args, opts)),
  };
}
