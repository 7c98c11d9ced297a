// The CNI 1.1 verbs. STATUS: can ADD work now (the server answers and this node's agent reports without
// error)? GC: give back what attachments the runtime no longer lists hold (addresses, Workloads, and the
// host ends of their veths: a container whose namespace went without a DEL leaves its pair behind).
import type { Runner } from "../dataplane/index.js";
import { CniError } from "./errors.js";
import { isMoatIpam, type Attachment } from "./ipam.js";
import { moat } from "./server.js";
import { deleteVeth, hostVethName } from "./veth.js";
import { CONTAINER_ANNOTATION, IFNAME_ANNOTATION, NETWORK_ANNOTATION } from "./workload.js";

/** CNI 1.1: 50 the plugin is not available (ADD would fail). */
const NOT_AVAILABLE = 50;

export async function status(a: Omit<Attachment, "env">): Promise<void> {
  try {
    await moat.healthz(a.client);
  } catch (e) {
    throw new CniError(NOT_AVAILABLE, `the moat server cannot be reached: ${(e as Error).message}`);
  }
  const row = await moat.nodeStatus(a.client, a.node);
  if (!row || row.revision === null) throw new CniError(NOT_AVAILABLE, `no moat agent has reported for node ${a.node}: ADD would time out`);
  if (row.error) throw new CniError(NOT_AVAILABLE, `the moat agent of node ${a.node} reports an error: ${row.error}`);
}

export interface ValidAttachment {
  containerID: string;
  ifname: string;
}

export async function gc(a: Omit<Attachment, "env">, valid: ValidAttachment[], runner: Runner): Promise<{ released: string[]; deleted: string[] }> {
  const keep = valid.map((v) => ({ container: v.containerID, ifname: v.ifname }));
  const released = isMoatIpam(a.config) ? (await moat.gc(a.client, { network: a.network, node: a.node, valid: keep })).released : [];
  const deleted: string[] = [];
  for (const w of (await moat.workloads(a.client)).items) {
    const ann = w.metadata.annotations ?? {};
    if (w.spec.node !== a.node || ann[NETWORK_ANNOTATION] !== a.network || ann[CONTAINER_ANNOTATION] === undefined) continue;
    if (keep.some((k) => k.container === ann[CONTAINER_ANNOTATION] && k.ifname === ann[IFNAME_ANNOTATION])) continue;
    await moat.deleteWorkload(a.client, a.node, w.metadata.name, w.metadata.namespace);
    if (ann[IFNAME_ANNOTATION]) await deleteVeth(runner, hostVethName(ann[CONTAINER_ANNOTATION], ann[IFNAME_ANNOTATION]));
    deleted.push(w.metadata.namespace ? `${w.metadata.namespace}/${w.metadata.name}` : w.metadata.name);
  }
  return { released, deleted };
}
