// DEL: the Workload first (the address leaves every set), then the veth, then the address, so an address
// is never handed out again while something still holds it. Each step tolerates what is already gone:
// DEL twice, DEL after a failed ADD, DEL of a container whose namespace was removed.
import type { Runner } from "../dataplane/index.js";
import { MoatError } from "../errors/index.js";
import { unlease, type Attachment } from "./ipam.js";
import { moat } from "./server.js";
import { deleteVeth, hostVethName } from "./veth.js";
import { CONTAINER_ANNOTATION, workloadId } from "./workload.js";

export async function del(a: Attachment, runner: Runner): Promise<void> {
  const id = workloadId(a.env);
  const stored = await moat.workload(a.client, id.name, id.namespace).catch((e: unknown) => {
    if (e instanceof MoatError && e.kind === "not-found") return undefined;
    throw e;
  });
  // A workload of that name that another container holds (a name reused) is not this attachment's.
  if (stored && stored.metadata.annotations?.[CONTAINER_ANNOTATION] === a.env.containerId) await moat.deleteWorkload(a.client, a.node, id.name, id.namespace);
  await deleteVeth(runner, hostVethName(a.env.containerId, a.env.ifname));
  await unlease(a);
}
