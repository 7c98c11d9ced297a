// The lab's side of a probe agent: spawns it inside a namespace and speaks its JSON-lines protocol.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { connect } from "node:net";
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
      if (!answer(line, pending, netns)) return;
      clearTimeout(timer);
      resolve();
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
    ...operations(request),
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

/** Settles the request a reply line answers; true when the line is the agent's "ready". */
function answer(line: string, pending: Map<number, Pending>, netns: string): boolean {
  let msg: { ready?: boolean; id?: number; ok?: boolean; result?: unknown; error?: string };
  try {
    msg = JSON.parse(line);
  } catch {
    return false;
  }
  if (msg.ready) return true;
  const p = msg.id !== undefined ? pending.get(msg.id) : undefined;
  if (!p) return false;
  pending.delete(msg.id!);
  if (msg.ok) p.resolve(msg.result);
  else p.reject(new Error(`probe agent in ${netns}: ${msg.error}`));
  return false;
}

function operations(request: (body: Record<string, unknown>) => Promise<unknown>): Omit<ProbeAgent, "netns" | "stop"> {
  return {
    listen: async (protocol, port, hosts) => {
      await request({ op: "listen", protocol, port, hosts });
    },
    probe: async (req) => (await request({ op: "probe", ...req })) as ProbeAgentResult,
    seen: async () => (await request({ op: "seen" })) as { port: number; from: string }[],
  };
}

/**
 * The same protocol with a lab listener started in serve mode with `--control PATH` (`moat lab up`):
 * no process to start per probe run, the one that listens does the probing. stop() only disconnects.
 */
export async function connectProbeAgent(socketPath: string, netns: string): Promise<ProbeAgent> {
  const sock = connect(socketPath);
  await new Promise<void>((resolve, reject) => {
    sock.once("connect", resolve);
    sock.once("error", (e) => reject(new Error(`the lab's listener in ${netns} does not answer on ${socketPath} (${e.message}); rebuild the lab (moat lab down, moat lab up)`)));
  });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let closed: string | undefined;
  const fail = (why: string) => {
    closed ??= `the lab's listener in ${netns} ${why}`;
    for (const p of pending.values()) p.reject(new Error(closed));
    pending.clear();
  };
  sock.on("error", (e) => fail(`failed (${e.message})`));
  sock.on("close", () => fail("closed its socket"));
  createInterface({ input: sock }).on("line", (line) => void answer(line, pending, netns));
  const request = (body: Record<string, unknown>): Promise<unknown> => {
    if (closed) return Promise.reject(new Error(closed));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      sock.write(`${JSON.stringify({ id, ...body })}\n`);
    });
  };
  return {
    netns,
    ...operations(request),
    stop: async () => {
      sock.end();
    },
  };
}
