// A real `moat server` child process on a loopback port with its data in a temporary folder, as the
// tests of the control plane use it. stop() ends it with SIGTERM, kill() with SIGKILL; both wait for exit.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const MOAT = join(ROOT, "bin/moat");

export interface ServerProcess {
  url: string;
  dataDir: string;
  adminToken: string;
  child: ChildProcess;
  /** Everything the server wrote to stdout (its JSON log lines) and stderr so far. */
  logs(): string;
  stderr(): string;
  stop(): Promise<number | null>;
  kill(): Promise<void>;
  /** Start it again on the same data dir and port (after kill or stop). */
  restart(): Promise<ServerProcess>;
}

/** In a network namespace (`netns`: its name under /run/netns), loopback is that namespace's own. */
export const inNetns = (netns: string | undefined, argv: string[]): [string, string[]] => (netns ? ["nsenter", [`--net=/run/netns/${netns}`, ...argv]] : [argv[0]!, argv.slice(1)]);

/** `listen`: the address to listen on (default 127.0.0.1; another node of a lab reaches its fabric address). */
export async function startServer(args: string[] = [], opts: { dataDir?: string; port?: number; netns?: string; listen?: string } = {}): Promise<ServerProcess> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "moat-server-test-"));
  const [cmd, argv] = inNetns(opts.netns, [process.execPath, MOAT, "server", "--listen", `${opts.listen ?? "127.0.0.1"}:${opts.port ?? 0}`, "--data", dataDir, ...args]);
  const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Never leave it running behind a failed start.
      child.kill("SIGKILL");
      reject(new Error(`moat server did not start within 15 s: ${err}`));
    }, 15_000);
    const look = () => {
      const m = /listening on (\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stderr!.on("data", look);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`moat server exited ${code} before listening: ${err}`));
    });
  });
  const tokenFile = join(dataDir, "admin.token");
  let adminToken = "";
  try {
    adminToken = readFileSync(tokenFile, "utf8").trim();
  } catch {
    // started with --tokens
  }
  const port = Number(new URL(url).port);
  const proc: ServerProcess = {
    url,
    dataDir,
    adminToken,
    child,
    logs: () => out,
    stderr: () => err,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
    kill: async () => {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    },
    restart: () => startServer(args, { dataDir, port, ...(opts.netns ? { netns: opts.netns } : {}), ...(opts.listen ? { listen: opts.listen } : {}) }),
  };
  return proc;
}

export const removeDir = (dir: string) => rmSync(dir, { recursive: true, force: true });

/** fetch with the bearer token, for tests of the HTTP surface itself. */
export async function http(url: string, path: string, init: { method?: string; token?: string; body?: string; type?: string } = {}): Promise<{ status: number; body: any; text: string; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers["content-type"] = init.type ?? "application/json";
  const res = await fetch(url + path, { method: init.method ?? (init.body !== undefined ? "POST" : "GET"), headers, ...(init.body !== undefined ? { body: init.body } : {}) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body, text, headers: res.headers };
}
