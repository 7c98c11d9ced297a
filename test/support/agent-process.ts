// A real `moat agent` child process enforcing one lab node's namespace, fed by a real server.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inNetns, MOAT } from "./server-process.js";

export interface AgentProcess {
  node: string;
  stateDir: string;
  child: ChildProcess;
  /** http://HOST:PORT/metrics when started with --metrics. */
  metricsUrl?: string;
  logs(): string;
  /** The JSON log lines so far. */
  events(): Record<string, unknown>[];
  stop(): Promise<void>;
  kill(): Promise<void>;
  start(): Promise<AgentProcess>;
}

export interface AgentSpec {
  server: string;
  token: string;
  node: string;
  netns: string;
  stateDir?: string;
  args?: string[];
  /** Run the agent itself inside `netns` (as on a host whose server is on that namespace's loopback), not with --netns. */
  inside?: boolean;
}

export async function startAgent(spec: AgentSpec): Promise<AgentProcess> {
  const stateDir = spec.stateDir ?? mkdtempSync(join(tmpdir(), `moat-agent-${spec.node}-`));
  const tokenFile = join(stateDir, "token");
  writeFileSync(tokenFile, spec.token, { mode: 0o600 });
  // The dataplane's record and lock of this namespace live beside the agent's own state.
  const env = { ...process.env, MOAT_STATE_DIR: join(stateDir, "dataplane"), MOAT_LOCK_DIR: join(stateDir, "lock") };
  const args = [MOAT, "agent", "--server", spec.server, "--token-file", tokenFile, "--node", spec.node, ...(spec.inside ? [] : ["--netns", spec.netns]), "--state-dir", stateDir, "--check-interval", "200ms", ...(spec.args ?? [])];
  const [cmd, argv] = inNetns(spec.inside ? spec.netns : undefined, [process.execPath, ...args]);
  const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"], env });
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (out += d));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`moat agent ${spec.node} did not start within 15 s: ${out}`));
    }, 15_000);
    child.stderr!.on("data", () => /moat agent for node/.test(out) && (clearTimeout(timer), resolve()));
    void exited.then(() => (clearTimeout(timer), reject(new Error(`moat agent ${spec.node} exited: ${out}`))));
  });
  const proc: AgentProcess = {
    node: spec.node,
    stateDir,
    child,
    ...(/metrics on (\S+)\)/.exec(out) ? { metricsUrl: /metrics on (\S+)\)/.exec(out)![1]! } : {}),
    logs: () => out,
    events: () =>
      out
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
    start: () => startAgent({ ...spec, stateDir }),
  };
  return proc;
}
