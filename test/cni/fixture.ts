// A host for moat-cni's tests: one network namespace acting as node n1 (loopback up, forwarding on), a
// real `moat server` and a real `moat agent` running inside it (so the plugin, started there as a runtime
// starts it, reaches them on that host's loopback), container namespaces made as a runtime makes them,
// and the plugin driven exactly as runtimes drive it: CNI_* in the environment, the config on stdin.
// Every namespace has this file's prefix and is removed in teardown, even after a failure.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAgent, type AgentProcess } from "../support/agent-process.js";
import { removeDir, ROOT, startServer, type ServerProcess } from "../support/server-process.js";

export const PLUGIN = join(ROOT, "bin/moat-cni");
export const ADMIN_TOKEN = "cni-test-admin-token-0123456789";
export const agentToken = (node: string) => `cni-test-agent-token-${node}-0123456789`;

export const tokensYaml = (nodes: string[]) =>
  [`- {name: admin, role: admin, token: ${ADMIN_TOKEN}}`, ...nodes.map((n) => `- {name: agent-${n}, role: agent, node: ${n}, token: ${agentToken(n)}}`)].join("\n") + "\n";

/** Ends in "-", so that no prefix is the start of another file's (mcnip12- and mcnip123-). */
export const newPrefix = (what: string) => `mcni${what}${process.pid % 10000}-`;

export const ip = (args: string[]) => execFileSync("ip", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
export const inNs = (ns: string, cmd: string, args: string[], input?: string) => spawnSync("nsenter", [`--net=/run/netns/${ns}`, cmd, ...args], { encoding: "utf8", timeout: 30_000, ...(input !== undefined ? { input } : {}) });

export function listNetns(prefix: string): string[] {
  return ip(["netns", "list"]).split("\n").map((l) => l.split(" ")[0]!).filter((n) => n.startsWith(prefix));
}

export function removeNetns(prefix: string): void {
  for (const ns of listNetns(prefix)) spawnSync("ip", ["netns", "del", ns]);
}

export function addNetns(name: string, { forwarding = false } = {}): void {
  ip(["netns", "add", name]);
  inNs(name, "ip", ["link", "set", "lo", "up"]);
  if (forwarding) inNs(name, "sysctl", ["-qw", "net.ipv4.ip_forward=1"]);
}

export interface CniCall {
  code: number | null;
  out: string;
  err: string;
  json: any;
  ms: number;
}

export interface CniEnvIn {
  command: string;
  containerId?: string;
  netns?: string;
  ifname?: string;
  args?: string;
  path?: string;
  extra?: Record<string, string>;
}

/** Runs bin/moat-cni inside the node's namespace as a runtime would; asynchronous, so calls can overlap. */
export function cni(nodeNs: string, env: CniEnvIn, config: unknown): Promise<CniCall> {
  const vars: Record<string, string> = { CNI_COMMAND: env.command, CNI_PATH: env.path ?? "/usr/lib/cni", ...(env.extra ?? {}) };
  if (env.containerId !== undefined) vars.CNI_CONTAINERID = env.containerId;
  if (env.netns !== undefined) vars.CNI_NETNS = env.netns;
  if (env.ifname !== undefined) vars.CNI_IFNAME = env.ifname;
  if (env.args !== undefined) vars.CNI_ARGS = env.args;
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("CNI_")));
  const start = Date.now();
  return new Promise((resolve) => {
    const child = spawn("nsenter", [`--net=/run/netns/${nodeNs}`, process.execPath, PLUGIN], { env: { ...clean, ...vars }, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    child.on("close", (code) => {
      clearTimeout(timer);
      let json: unknown;
      try {
        json = out.trim() ? JSON.parse(out) : undefined;
      } catch {
        json = undefined;
      }
      resolve({ code, out, err, json, ms: Date.now() - start });
    });
    child.stdin.end(typeof config === "string" ? config : JSON.stringify(config));
  });
}

/** An HTTP call to the server from inside the node's namespace (the test process is not in it). */
export function api(nodeNs: string, url: string, method: string, path: string, body?: unknown, token = ADMIN_TOKEN): { status: number; body: any } {
  const script = `const r = await fetch(process.env.U, { method: process.env.M, headers: { authorization: "Bearer " + process.env.T, ...(process.env.B ? { "content-type": process.env.CT } : {}) }, ...(process.env.B ? { body: process.env.B } : {}) });
process.stdout.write(JSON.stringify({ status: r.status, text: await r.text() }));`;
  const yaml = typeof body === "string";
  const r = spawnSync("nsenter", [`--net=/run/netns/${nodeNs}`, process.execPath, "--input-type=module", "-e", script], {
    encoding: "utf8",
    timeout: 20_000,
    env: { ...process.env, U: url + path, M: method, T: token, B: body === undefined ? "" : yaml ? body : JSON.stringify(body), CT: yaml ? "application/yaml" : "application/json" },
  });
  if (r.status !== 0) throw new Error(`api ${method} ${path}: ${r.stderr}`);
  const { status, text } = JSON.parse(r.stdout) as { status: number; text: string };
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // text
  }
  return { status, body: parsed };
}

export interface Host {
  ns: string;
  node: string;
  server: ServerProcess;
  agent: AgentProcess;
  dir: string;
  tokenFile: string;
  config(network: string, extra?: Record<string, unknown>): Record<string, unknown>;
  stop(): Promise<void>;
}

/** Node `node` in namespace `ns`, with its server and agent inside, and a token file for the plugin. */
export async function startHost(ns: string, node: string, agentArgs: string[] = []): Promise<Host> {
  addNetns(ns, { forwarding: true });
  const dir = mkdtempSync(join(tmpdir(), "moat-cni-test-"));
  writeFileSync(join(dir, "tokens.yaml"), tokensYaml([node]));
  const tokenFile = join(dir, "agent.token");
  writeFileSync(tokenFile, agentToken(node), { mode: 0o600 });
  const server = await startServer(["--tokens", join(dir, "tokens.yaml")], { netns: ns });
  const agent = await startAgent({ server: server.url, token: agentToken(node), node, netns: ns, inside: true, args: agentArgs });
  return {
    ns,
    node,
    server,
    agent,
    dir,
    tokenFile,
    config: (network, extra = {}) => ({ cniVersion: "1.0.0", name: network, type: "moat-cni", server: server.url, tokenFile, node, timeoutMs: 10_000, ipam: { type: "moat" }, ...extra }),
    stop: async () => {
      await agent.kill();
      await server.kill();
      removeDir(dir);
      removeDir(server.dataDir);
      removeDir(agent.stateDir);
    },
  };
}

/** A TCP listener in a container namespace that accepts on every address (started before its ADD). */
export function listen(ns: string, port: number) {
  const script = `require("node:net").createServer((s) => s.end("hi")).listen(${port}, "0.0.0.0", () => console.log("up"))`;
  const child = spawn("nsenter", [`--net=/run/netns/${ns}`, process.execPath, "-e", script], { stdio: ["ignore", "pipe", "ignore"] });
  const up = new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
  return { up, stop: () => child.kill("SIGKILL") };
}

/** Whether a TCP connection from a container namespace to ip:port opens (within 1.5 s). */
export function connects(ns: string, to: string, port: number): Promise<boolean> {
  const script = `const s = require("node:net").connect(${port}, ${JSON.stringify(to)}); s.setTimeout(1500, () => process.exit(2)); s.on("connect", () => process.exit(0)); s.on("error", () => process.exit(1));`;
  return new Promise((resolve) => {
    const child = spawn("nsenter", [`--net=/run/netns/${ns}`, process.execPath, "-e", script], { stdio: "ignore" });
    child.on("close", (code) => resolve(code === 0));
  });
}
