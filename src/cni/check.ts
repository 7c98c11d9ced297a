// CHECK: the container still has what ADD gave it (the interface, its address, the host end), and the
// node enforces its Workload (the node's agent has applied a revision at or after the Workload's).
import type { Runner } from "../dataplane/index.js";
import { MoatError } from "../errors/index.js";
import { CniError, CNI_CODES } from "./errors.js";
import type { Attachment } from "./ipam.js";
import { moat } from "./server.js";
import { hostVethName, readLink } from "./veth.js";
import { workloadId } from "./workload.js";

export async function check(a: Attachment, runner: Runner): Promise<void> {
  const { env } = a;
  const fail = (msg: string, details = "") => new CniError(CNI_CODES.notEnforced, msg, details);
  const host = hostVethName(env.containerId, env.ifname);
  if (!(await readLink(runner, host)).exists) throw fail(`the host end ${host} of ${env.ifname} does not exist`);
  const inside = await readLink(runner, env.ifname, env.netns);
  if (!inside.exists) throw fail(`${env.ifname} does not exist in ${env.netns}`);
  const id = workloadId(env);
  const w = await moat.workload(a.client, id.name, id.namespace).catch((e: unknown) => {
    if (e instanceof MoatError && e.kind === "not-found") throw fail(`workload ${id.namespace ? `${id.namespace}/` : ""}${id.name} is not in the moat server`);
    throw e;
  });
  for (const ip of w.spec.ips) {
    if (!inside.addresses.some((x) => x.split("/")[0] === ip)) throw fail(`${env.ifname} in ${env.netns} does not hold ${ip}`, `it holds ${inside.addresses.join(", ") || "no address"}`);
  }
  const revision = Number(w.metadata.resourceVersion);
  const row = await moat.nodeStatus(a.client, a.node);
  if (!row || row.revision === null || row.revision < revision || row.error !== null) {
    throw fail(`node ${a.node} does not enforce workload ${id.name} (revision ${revision})`, row ? `the node is at revision ${row.revision}${row.error ? `: ${row.error}` : ""}` : "no agent has reported for it");
  }
}
