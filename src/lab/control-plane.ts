// The lab's control plane: a real `moat server` on a loopback port with its data in the lab's folder,
// and one real `moat agent` per node enforcing that node's namespace; both detached, with pid files.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { api, Client } from "../client/index.js";
import { Unavailable } from "../errors/index.js";
import { spawnDetached, waitForLog } from "./detached.js";
import { writePid, type LabDir } from "./lab-dir.js";
import { FABRIC_INTERFACE } from "./plan.js";

/** bin/moat beside src/ and dist/: the lab runs the same moat as the command that builds it. */
export const MOAT_BIN = fileURLToPath(new URL("../../bin/moat", import.meta.url));
const START_TIMEOUT_MS = 30_000;

export interface LabServer {
  url: string;
  tokenFile: string;
  client: Client;
}

export async function startLabServer(dir: LabDir, signal?: AbortSignal): Promise<LabServer> {
  const log = join(dir.logs, "server.log");
  const proc = spawnDetached(process.execPath, [MOAT_BIN, "server", "--listen", "127.0.0.1:0", "--data", dir.serverData], { log });
  writePid(dir, "server", proc.pid);
  const m = await waitForLog("moat server", proc, log, /listening on (\S+)/, { timeoutMs: START_TIMEOUT_MS, ...(signal ? { signal } : {}) });
  const tokenFile = join(dir.serverData, "admin.token");
  return { url: m[1]!, tokenFile, client: labClient(m[1]!, tokenFile) };
}

export const labClient = (url: string, tokenFile: string) => new Client({ server: url, token: readFileSync(tokenFile, "utf8").trim() });

export async function startLabAgent(dir: LabDir, server: LabServer, node: string, netns: string, overlay: "routed" | "vxlan", signal?: AbortSignal): Promise<void> {
  const state = dir.agent(node);
  const log = join(dir.logs, `agent-${encodeURIComponent(node)}.log`);
  // The dataplane's record and lock of the namespace stay in the lab's folder, never the host's.
  const env = { ...process.env, MOAT_STATE_DIR: join(state, "dataplane"), MOAT_LOCK_DIR: join(state, "lock") };
  const args = [MOAT_BIN, "agent", "--server", server.url, "--token-file", server.tokenFile, "--node", node, "--netns", netns, "--state-dir", state, "--check-interval", "500ms"];
  // The node's underlay address is its fabric interface's (FABRIC_INTERFACE in plan.ts).
  if (overlay === "vxlan") args.push("--overlay", "vxlan", "--underlay-interface", FABRIC_INTERFACE);
  const proc = spawnDetached(process.execPath, args, { log, env });
  writePid(dir, `agent-${encodeURIComponent(node)}`, proc.pid);
  await waitForLog(`moat agent for ${node}`, proc, log, /moat agent for node/, { timeoutMs: START_TIMEOUT_MS, ...(signal ? { signal } : {}) });
}

/** Waits until every node enforces the Plan of the store's latest revision; returns the ms it took. */
export async function waitForAgents(client: Client, nodes: readonly string[], opts: { timeoutMs: number; signal?: AbortSignal }): Promise<number> {
  const start = Date.now();
  let last = "no answer from the server";
  for (;;) {
    opts.signal?.throwIfAborted();
    const answer = await api.nodes(client).catch((e: Error) => (last = e.message, undefined));
    if (answer) {
      const rows = nodes.map((n) => answer.items.find((i) => i.node === n));
      if (rows.every((r) => r?.inSync && r.revision === answer.revision)) return Date.now() - start;
      last = rows.map((r, i) => `${nodes[i]}: ${!r || r.revision === null ? "not reported" : r.error ? `error ${String(r.error)}` : r.inSync ? `revision ${String(r.revision)} of ${answer.revision}` : "applying"}`).join(", ");
    }
    if (Date.now() - start > opts.timeoutMs) throw new Unavailable(`the agents did not enforce revision ${answer?.revision ?? "?"} within ${opts.timeoutMs} ms (${last})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
