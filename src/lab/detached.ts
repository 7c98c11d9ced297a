// Processes a lab runs beyond the command that started them: each in its own process group (a Ctrl-C
// at the terminal reaches only moat, which tears down in order), its output in a log file, its pid
// in a pid file. Killing checks /proc first, so a pid reused by an unrelated process is left alone.
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { Unavailable } from "../errors/index.js";

export interface Detached {
  pid: number;
  /** Set once it exited, with the code or signal. */
  exited(): string | undefined;
}

export function spawnDetached(cmd: string, args: string[], opts: { log: string; env?: NodeJS.ProcessEnv }): Detached {
  const fd = openSync(opts.log, "a", 0o600);
  try {
    const child = spawn(cmd, args, { detached: true, stdio: ["ignore", fd, fd], env: opts.env ?? process.env });
    let exit: string | undefined;
    child.once("exit", (code, signal) => (exit = signal ?? `code ${code}`));
    child.once("error", (e) => (exit = e.message));
    child.unref();
    if (child.pid === undefined) throw new Unavailable(`cannot start ${cmd}: no pid`);
    return { pid: child.pid, exited: () => exit };
  } finally {
    closeSync(fd);
  }
}

const readLog = (file: string) => {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
};

const lastLines = (text: string) => text.trim().split("\n").slice(-5).join(" | ");

/** Polls the log until a line matches; fails when the process exits first, on timeout or abort. */
export async function waitForLog(what: string, proc: Detached, log: string, pattern: RegExp, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<RegExpExecArray> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    opts.signal?.throwIfAborted();
    const m = pattern.exec(readLog(log));
    if (m) return m;
    const exit = proc.exited();
    if (exit) throw new Unavailable(`${what} exited (${exit}) before it was ready: ${lastLines(readLog(log)) || "no output"} (log ${log})`);
    if (Date.now() > deadline) throw new Unavailable(`${what} was not ready within ${opts.timeoutMs} ms: ${lastLines(readLog(log)) || "no output"} (log ${log})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Alive and not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) Z/s.test(stat);
  } catch {
    return false;
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

/** Whether the pid is a live process whose command line names `mark` (the lab's folder). */
export const isLabProcess = (pid: number, mark: string) => alive(pid) && cmdline(pid).includes(mark);

/** SIGKILL, then waits (bounded) until it is gone. True when it was ours and is now gone. */
export async function killLabProcess(pid: number, mark: string): Promise<boolean> {
  if (!isLabProcess(pid, mark)) return false;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    return false;
  }
  for (let i = 0; i < 200 && alive(pid); i++) await new Promise((r) => setTimeout(r, 10));
  if (alive(pid)) throw new Unavailable(`process ${pid} (${cmdline(pid).slice(0, 120)}) is still running after SIGKILL`);
  return true;
}
