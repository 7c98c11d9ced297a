// moat-cni's IPAM over HTTP: the allocator (src/ipam) is pure; here the blocks are read from the store,
// the allocator asked, and its one write committed with the version read. A Conflict (another server or
// request wrote that block since) reads again and asks again, a bounded number of times with jitter.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { Conflict, MoatError, NotFound } from "../errors/index.js";
import { allocate, collectGarbage, release, type Block, type BlockWrite, type StoredBlock } from "../ipam/index.js";
import { cidrContains, parseIp, show } from "../model/index.js";
import { READERS, requireNodeAccess } from "./auth.js";
import { objectOf } from "./bodies.js";
import type { DesiredState } from "./desired-state.js";

const ATTEMPTS = 40;

const attachment = { network: z.string().min(1), node: z.string().min(1), container: z.string().min(1).max(256), ifname: z.string().min(1).max(15) };
export const allocateSchema = z.strictObject({
  ...attachment,
  ip: z.string().min(1).optional(),
  family: z.union([z.literal(4), z.literal(6)]).optional(),
  /** A Workload of this node declared ahead that the attachment adopts: its own addresses are not taken. */
  workload: z.strictObject({ name: z.string().min(1), namespace: z.string().min(1).optional() }).optional(),
});
export const releaseSchema = z.strictObject(attachment);
export const gcSchema = z.strictObject({ network: z.string().min(1), node: z.string().min(1), valid: z.array(z.strictObject({ container: z.string(), ifname: z.string() })).max(100_000) });

const FAILURE_KIND = { exhausted: "conflict", "in-use": "conflict", outside: "bad-request", invalid: "bad-request" } as const;

async function blocks(state: DesiredState): Promise<StoredBlock[]> {
  return (await state.store.ipamList()).filter((r) => r.key.startsWith("block/")).map((r) => ({ key: r.key, version: r.version, block: r.value as unknown as Block }));
}

async function retrying<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof Conflict) || attempt >= ATTEMPTS) throw e;
      await new Promise((r) => setTimeout(r, Math.random() * 2 * attempt));
    }
  }
}

const commit = (state: DesiredState, writes: BlockWrite[]) => (writes.length ? state.store.ipamCommit(writes.map((w) => ({ key: w.key, expectedVersion: w.expectedVersion, value: w.value as unknown as Record<string, unknown> | null }))) : Promise.resolve());

export function registerIpam(app: FastifyInstance, state: DesiredState): void {
  const body = <S extends z.ZodType>(req: FastifyRequest, schema: S) => objectOf(typeof req.body === "string" ? req.body : undefined, req.headers["content-type"], schema);
  const agentOrAdmin = { config: { roles: ["admin" as const, "agent" as const] } };

  app.post("/v1/ipam/allocate", agentOrAdmin, async (req) => {
    const b = body(req, allocateSchema);
    requireNodeAccess(req, b.node);
    return retrying(async () => {
      const model = (await state.view()).model;
      const network = model.networks.find((n) => n.name === b.network);
      if (!network) throw new NotFound(`network ${show(b.network)} not found: apply it before attaching containers to it`);
      const adopted = (w: (typeof model.workloads)[number]) => !!b.workload && w.node === b.node && w.name === b.workload.name && w.namespace === b.workload.namespace;
      const taken = new Set(model.workloads.filter((w) => !adopted(w)).flatMap((w) => w.ips.map((ip) => ip.text)));
      const r = allocate(await blocks(state), { network: b.network, subnets: network.subnets, node: b.node, container: b.container, ifname: b.ifname, taken, ...(b.ip ? { ip: b.ip } : {}), ...(b.family ? { family: b.family } : {}) });
      if (!r.ok) throw new MoatError(FAILURE_KIND[r.code], r.message);
      if (r.write) await commit(state, [r.write]);
      const ip = parseIp(r.ip);
      const subnet = ip.ok ? network.subnets.find((c) => cidrContains(c, ip.value)) : undefined;
      return { ip: r.ip, block: r.block, subnet: subnet?.text ?? null };
    });
  });

  app.post("/v1/ipam/release", agentOrAdmin, async (req) => {
    const b = body(req, releaseSchema);
    requireNodeAccess(req, b.node);
    return retrying(async () => {
      const r = release(await blocks(state), b.network, b.container, b.ifname);
      await commit(state, r.writes);
      return { released: r.released };
    });
  });

  app.post("/v1/ipam/gc", agentOrAdmin, async (req) => {
    const b = body(req, gcSchema);
    requireNodeAccess(req, b.node);
    return retrying(async () => {
      const r = collectGarbage(await blocks(state), b.network, b.node, b.valid);
      await commit(state, r.writes);
      return { released: r.released };
    });
  });

  app.get("/v1/ipam/blocks", { config: { roles: READERS } }, async () => ({ items: (await blocks(state)).map((s) => s.block) }));
}
