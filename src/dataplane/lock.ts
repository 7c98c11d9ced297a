// One lock per network namespace, so that applies, resets and the agent never interleave their writes.
//
// It is a real flock(2) on /run/moat/netns-<inode>.lock, held by a small `flock` child for as long as the
// lock is ours: any other program can take the same lock with `flock /run/moat/netns-<inode>.lock cmd`.
// The child holds it until its stdin closes, so the lock goes away with this process however it ends.
// Whoever holds it writes a line saying who it is into the file, for the message of whoever waits.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Conflict } from "../errors/index.js";
import { lockDir, namespaceId } from "./namespace.js";
import type { Runner } from "./runner.js";
import { DataplaneUnavailable } from "./tools.js";

export interface LockOptions {
  /** How long to wait for another holder; default 30 s. */
  timeoutMs?: number;
  /** Says who holds it, for whoever waits ("moat apply"). */
  holder?: string;
  dir?: string;
}

export interface NamespaceLock {
  path: string;
  release(): Promise<void>;
}

/** Someone else holds the lock and did not let go in time. */
export class LockTimeout extends Conflict {}

export async function lockPath(runner: Runner, dir = lockDir()): Promise<string> {
  return join(dir, `netns-${await namespaceId(runner)}.lock`);
}

export async function lockNamespace(runner: Runner, opts: LockOptions = {}): Promise<NamespaceLock> {
  const dir = opts.dir ?? lockDir();
  const path = await lockPath(runner, dir);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
  } catch (e) {
    throw new DataplaneUnavailable(`cannot create the lock directory ${dir}: ${(e as Error).message}`);
  }
  const child = spawn("flock", ["--exclusive", "--wait", String(timeoutMs / 1000), path, "-c", "echo locked; exec cat >/dev/null"], { stdio: ["pipe", "pipe", "pipe"] });
  child.stdin.on("error", () => {});
  const got = await new Promise<boolean | Error>((resolve) => {
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      if (out.includes("locked")) resolve(true);
    });
    child.on("error", (e) => resolve(e));
    child.on("close", () => resolve(false));
  });
  if (got instanceof Error) {
    throw new DataplaneUnavailable(/ENOENT/.test(got.message) ? "flock is not installed: install the Debian package util-linux (apt-get install util-linux)" : `flock: ${got.message}`);
  }
  if (!got) {
    let who = "";
    try {
      who = readFileSync(path, "utf8").trim().split("\n")[0] ?? "";
    } catch {}
    throw new LockTimeout(`another process holds the lock of this network namespace (${path})${who ? `: ${who}` : ""}; waited ${(timeoutMs / 1000).toFixed(1)} s`);
  }
  try {
    writeFileSync(path, `pid ${process.pid} (${opts.holder ?? "moat"}) since ${new Date().toISOString()}\n`);
  } catch {}
  let released = false;
  return {
    path,
    release: () =>
      new Promise<void>((resolve) => {
        if (released || child.exitCode !== null) return resolve();
        released = true;
        child.on("close", () => resolve());
        child.stdin.end();
      }),
  };
}

export async function withNamespaceLock<T>(runner: Runner, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const lock = await lockNamespace(runner, opts);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
