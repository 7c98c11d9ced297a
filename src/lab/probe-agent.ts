// The lab's side of a probe agent: spawns it inside a namespace and speaks its JSON-lines protocol.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import { PROBE_AGENT_SOURCE } from "./probe-agent-source.js";

export type LabProtocol = "TCP" | "UDP" | "ICMP";
export type ProbeAgentOutcome = "connected" | "refused" | "timeout" | "error";

export interface ProbeAgentRequest {
  protocol: LabProtocol;
  host: string;
  port: number;
  source?: string;
  timeoutMs: number;
}

export interface ProbeAgentResult {
  outcome: ProbeAgentOutcome;
  detail: string;
  ms: number;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

export interface ProbeAgent {
  readonly netns: string;
  listen(protocol: LabProtocol, port: number, hosts: readonly string[]): Promise<void>;
  probe(req: ProbeAgentRequest): Promise<ProbeAgentResult>;
  /** Datagrams its UDP listeners received since the last call. */
  seen(): Promise<{ port: number; from: string }[]>;
  /** Closes stdin (the agent exits on its own), then kills it if it lingers. */
  stop(graceMs?: number): Promise<void>;
}

const READY_TIMEOUT_MS = 15_000;

export async function startProbeAgent(netns: string): Promise<ProbeAgent> {
  // The namespace as its last argument only names the agent in `ps`.
  const child = spawn("ip", ["netns", "exec", netns, process.execPath, "--input-type=module", "-e", PROBE_AGENT_SOURCE, netns], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let stderr = "";
  let exited: string | undefined;
  const exit = new Promise<void>((resolve) => child.once("close", () => resolve()));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr = (stderr + d).slice(-4000)));
  child.stdin.on("error", () => {});

  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`probe agent in ${netns} did not start within ${READY_TIMEOUT_MS} ms: ${stderr.trim()}`)), READY_TIMEOUT_MS);
    const fail = (why: string) => {
      clearTimeout(timer);
      exited = `probe agent in ${netns} ${why}${stderr.trim() ? `: ${stderr.trim()}` : ""}`;
      for (const p of pending.values()) p.reject(new Error(exited));
      pending.clear();
      reject(new Error(exited));
    };
    child.once("error", (e) => fail(`could not be spawned (${e.message})`));
    child.once("close", (code, signal) => fail(`exited (${signal ?? `code ${code}`})`));
    createInterface({ input: child.stdout }).on("line", (line) => {
      let msg: { ready?: boolean; id?: number; ok?: boolean; result?: unknown; error?: string };
      try {
        msg = JSON.parse(line);
      } catch {
        return;
      }
      if (msg.ready) {
        clearTimeout(timer);
        resolve();
        return;
      }
      const p = msg.id !== undefined ? pending.get(msg.id) : undefined;
      if (!p) return;
      pending.delete(msg.id!);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new Error(`probe agent in ${netns}: ${msg.error}`));
    });
  });

  const request = (body: Record<string, unknown>): Promise<unknown> => {
    if (exited) return Promise.reject(new Error(exited));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      child.stdin.write(`${JSON.stringify({ id, ...body })}\n`);
    });
  };

  const agent: ProbeAgent = {
    netns,
    listen: async (protocol, port, hosts) => {
      await request({ op: "listen", protocol, port, hosts });
    },
    probe: async (req) => (await request({ op: "probe", ...req })) as ProbeAgentResult,
    seen: async () => (await request({ op: "seen" })) as { port: number; from: string }[],
    stop: async (graceMs = 1000) => {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin.end();
        const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
        await exit;
        clearTimeout(timer);
      }
    },
  };
  try {
    await ready;
  } catch (err) {
    await agent.stop(0);
    throw err;
  }
  return agent;
}
