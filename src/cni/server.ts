// moat-cni's calls to the moat server: its node's token (an agent token for this node, or an admin's),
// the IPAM routes, the node's own workload routes, and the node reports it waits on.
import { readFileSync } from "node:fs";
import { Client } from "../client/index.js";
import { CniError, CNI_CODES } from "./errors.js";
import type { NetConfig } from "./config.js";
import type { WorkloadManifest } from "./workload.js";

export function serverClient(config: NetConfig, timeoutMs: number): Client {
  let token: string | undefined;
  let ca: Buffer | undefined;
  try {
    if (config.tokenFile) token = readFileSync(config.tokenFile, "utf8").trim();
    if (config.caFile) ca = readFileSync(config.caFile);
  } catch (e) {
    throw new CniError(CNI_CODES.invalidNetworkConfig, `tokenFile/caFile cannot be read: ${(e as Error).message}`);
  }
  return new Client({ server: config.server, ...(token ? { token } : {}), ...(ca ? { ca } : {}), timeoutMs });
}

const json = (value: unknown) => ({ text: JSON.stringify(value), contentType: "application/json" });
const q = (namespace?: string) => (namespace ? `?namespace=${encodeURIComponent(namespace)}` : "");
const enc = encodeURIComponent;

export interface NodeRow {
  node: string;
  revision: number | null;
  error: string | null;
  /** When its agent last reported (ISO time); null when it never did. */
  reportedAt?: string | null;
}

export const moat = {
  allocate: (c: Client, body: { network: string; node: string; container: string; ifname: string; ip?: string; workload?: { name: string; namespace?: string } }) => c.call("POST", "/v1/ipam/allocate", json(body)) as Promise<{ ip: string; block: string; subnet: string | null }>,
  release: (c: Client, body: { network: string; node: string; container: string; ifname: string }) => c.call("POST", "/v1/ipam/release", json(body)) as Promise<{ released: string[] }>,
  gc: (c: Client, body: { network: string; node: string; valid: { container: string; ifname: string }[] }) => c.call("POST", "/v1/ipam/gc", json(body)) as Promise<{ released: string[] }>,
  network: (c: Client, name: string) => c.call("GET", `/v1/networks/${enc(name)}`) as Promise<{ spec: { subnets: string[]; bridge?: string } }>,
  putWorkload: (c: Client, node: string, manifest: WorkloadManifest) =>
    c.call("PUT", `/v1/nodes/${enc(node)}/workloads/${enc(manifest.metadata.name)}${q(manifest.metadata.namespace)}`, json(manifest)) as Promise<{ revision: number }>,
  deleteWorkload: (c: Client, node: string, name: string, namespace?: string) => c.call("DELETE", `/v1/nodes/${enc(node)}/workloads/${enc(name)}${q(namespace)}`) as Promise<{ revision: number }>,
  workload: (c: Client, name: string, namespace?: string) => c.call("GET", `/v1/workloads/${enc(name)}${q(namespace)}`) as Promise<WorkloadManifest & { metadata: { resourceVersion: string }; spec: { ips: string[] } }>,
  /** The stored Workload, or undefined when there is none of that name. */
  findWorkload: (c: Client, name: string, namespace?: string) =>
    moat.workload(c, name, namespace).catch((e: unknown) => {
      if ((e as { kind?: string }).kind === "not-found") return undefined;
      throw e;
    }),
  workloads: (c: Client) => c.call("GET", "/v1/workloads") as Promise<{ items: { metadata: { name: string; namespace?: string; annotations?: Record<string, string> }; spec: { node: string } }[] }>,
  /** The node's last report; undefined when its agent never reported. */
  nodeStatus: (c: Client, node: string) =>
    (c.call("GET", `/v1/nodes/${enc(node)}/status`) as Promise<NodeRow>).catch((e: unknown) => {
      if ((e as { kind?: string }).kind === "not-found") return undefined;
      throw e;
    }),
  /** Every node with its last report (GET /v1/nodes). */
  nodes: (c: Client) => (c.call("GET", "/v1/nodes") as Promise<{ items: NodeRow[] }>).then((r) => r.items),
  healthz: (c: Client) => c.call("GET", "/healthz") as Promise<{ ok: boolean }>,
};

/**
 * Reads node reports until `done` says the last one is enough, bounded by `timeoutMs`; polled every few
 * ms, as node reports are not in the watch stream. Returns how long it took, or undefined at the timeout
 * (with the last read in `last`).
 */
async function pollReports<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs: number): Promise<{ ms?: number; last: T }> {
  const start = Date.now();
  let delay = 2;
  for (;;) {
    const last = await read();
    if (done(last)) return { ms: Date.now() - start, last };
    if (Date.now() - start > timeoutMs) return { last };
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 10);
  }
}

const UNDONE = "the ADD was undone: no veth, no workload, no address is left";

/**
 * Waits until the node's agent reports a Plan of at least `revision` without error: then the kernel
 * judges the workload's first packet.
 */
export async function waitEnforced(c: Client, node: string, revision: number, timeoutMs: number): Promise<number> {
  const { ms, last } = await pollReports(() => moat.nodeStatus(c, node), (r) => !!r && r.revision !== null && r.revision >= revision && r.error === null, timeoutMs);
  if (ms !== undefined) return ms;
  const why = !last || last.revision === null ? `no agent has reported for node ${JSON.stringify(node)}` : last.error ? `its agent reports: ${last.error}` : `its agent is at revision ${last.revision}`;
  throw new CniError(CNI_CODES.notEnforced, `node ${node} did not enforce revision ${revision} within ${timeoutMs} ms: ${why}`, UNDONE);
}

/**
 * An agent that reported within this long is alive (agents report every 10 s when nothing changes):
 * ADD with waitFor "all" waits for those, and not for a node whose agent is gone, which cannot
 * enforce anything new anyway.
 */
export const ALIVE_MS = 30_000;

/** The nodes that have not yet enforced `revision`: alive ones behind it or in error, and `own` always. */
export function nodesBehind(rows: NodeRow[], own: string, revision: number, now: number): NodeRow[] {
  const alive = (r: NodeRow) => r.node === own || (r.reportedAt != null && now - Date.parse(r.reportedAt) <= ALIVE_MS);
  const done = (r: NodeRow) => r.revision !== null && r.revision >= revision && r.error === null;
  const behind = rows.filter((r) => alive(r) && !done(r));
  if (!rows.some((r) => r.node === own)) behind.push({ node: own, revision: null, error: null });
  return behind;
}

/**
 * Waits until every alive node's agent reports a Plan of at least `revision` without error (waitFor
 * "all"): then the other nodes route to the new workload and judge its packets too. The error names
 * the nodes still behind.
 */
export async function waitEnforcedOnAll(c: Client, own: string, revision: number, timeoutMs: number): Promise<number> {
  const { ms, last } = await pollReports(async () => nodesBehind(await moat.nodes(c), own, revision, Date.now()), (behind) => !behind.length, timeoutMs);
  if (ms !== undefined) return ms;
  const why = last.map((r) => `${r.node} ${r.revision === null ? "never reported" : r.error ? `reports: ${r.error}` : `is at revision ${r.revision}`}`).join("; ");
  throw new CniError(CNI_CODES.notEnforced, `not every node enforced revision ${revision} within ${timeoutMs} ms (waitFor "all"): ${why}`, UNDONE);
}
