// Workloads written by a node's own CNI plugin: an agent token may put and delete the Workloads of its
// node only (never one that another node or an admin placed elsewhere), so a compromised node cannot
// move or remove the containers of another. Validated and committed as every apply is.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { BadRequest, MoatError, NotFound } from "../errors/index.js";
import { show } from "../model/index.js";
import { READERS, requireNodeAccess } from "./auth.js";
import { manifestsOf } from "./bodies.js";
import type { DesiredState } from "./desired-state.js";
import { keyOf } from "./resources.js";

type Params = { node: string; name: string };
const namespaceOf = (req: FastifyRequest) => {
  const ns = (req.query as { namespace?: unknown }).namespace;
  return typeof ns === "string" ? ns : undefined;
};

export function registerNodeWorkloads(app: FastifyInstance, state: DesiredState): void {
  const roles = { config: { roles: ["admin" as const, "agent" as const] } };

  /** Refuses when a stored workload of that key is on another node. */
  const ownedElsewhere = async (req: FastifyRequest, node: string, name: string) => {
    const key = keyOf("Workload", name, namespaceOf(req));
    const stored = (await state.view()).resources.find((r) => r.key.kind === "Workload" && r.key.namespace === key.namespace && r.key.name === key.name);
    const on = (stored?.object.spec as { node?: string } | undefined)?.node;
    if (stored && on !== node) throw new MoatError("forbidden", `workload ${show(name)} is on node ${show(on ?? "")}, not ${show(node)}`);
    return stored;
  };

  app.put("/v1/nodes/:node/workloads/:name", roles, async (req) => {
    const { node, name } = req.params as Params;
    requireNodeAccess(req, node);
    const parsed = manifestsOf(typeof req.body === "string" ? req.body : "", req.headers["content-type"]);
    const doc = parsed.docs[0]?.doc as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown }; spec?: { node?: unknown } } | undefined;
    if (parsed.docs.length !== 1 || doc?.kind !== "Workload") throw new BadRequest("body: one Workload manifest");
    if (doc.metadata?.name !== name) throw new BadRequest(`metadata.name ${show(String(doc.metadata?.name))} is not ${show(name)}, the name in the URL`);
    if (doc.spec?.node !== node) throw new BadRequest(`spec.node ${show(String(doc.spec?.node))} is not ${show(node)}, the node in the URL`);
    if ((doc.metadata.namespace ?? undefined) !== namespaceOf(req)) throw new BadRequest("metadata.namespace and ?namespace= differ");
    await ownedElsewhere(req, node, name);
    return state.apply(parsed);
  });

  // What moat-cni polls while ADD waits: the node's last report alone, without GET /v1/nodes's
  // expected Plan hash of every node (a compile per node for each new revision).
  app.get("/v1/nodes/:node/status", { config: { roles: READERS } }, async (req) => {
    const { node } = req.params as { node: string };
    const found = (await state.store.listNodeStatus()).find((s) => s.node === node);
    if (!found) throw new NotFound(`no agent has reported for node ${show(node)}`);
    return found;
  });

  app.delete("/v1/nodes/:node/workloads/:name", roles, async (req) => {
    const { node, name } = req.params as Params;
    requireNodeAccess(req, node);
    const stored = await ownedElsewhere(req, node, name);
    if (!stored) return { revision: (await state.view()).revision, deleted: [] };
    return state.remove([stored.key], { missingOk: true });
  });
}
