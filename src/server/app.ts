// The REST API: fastify with one error handler (http-errors.ts), one auth hook (auth.ts), bodies read as
// text and parsed by moat (so syntax errors name line and column), one log line per request, no tokens
// in logs. buildServer only builds; listen.ts binds it to an address.
import { randomUUID } from "node:crypto";
import Fastify, { LogController, type FastifyInstance, type FastifyReply } from "fastify";
import { BadRequest, InvalidInput, MoatError, NotFound } from "../errors/index.js";
import { checkAnswer, matrixAnswer, nodePlan } from "../service/index.js";
import type { Store } from "../store/index.js";
import { ADMIN, authenticate, READERS, requireNodeAccess } from "./auth.js";
import { BODY_NAME, checkRequestSchema, manifestsOf, matrixRequestSchema, nodeStatusSchema, objectOf } from "./bodies.js";
import { DesiredState } from "./desired-state.js";
import { sendError } from "./http-errors.js";
import { withLines } from "./issue-lines.js";
import { serverMetrics } from "./metrics.js";
import { nodeRows } from "./nodes.js";
import { openApiDocument } from "./openapi.js";
import { byKind, keyOf, kindOfPlural, manifestKey, present } from "./resources.js";
import type { TokenTable } from "./tokens.js";
import { registerWatch } from "./watch.js";
import { registerUi } from "./ui.js";
import { registerIpam } from "./ipam.js";
import { registerNodeWorkloads } from "./node-workloads.js";

export interface ServerOptions {
  store: Store;
  tokens: TokenTable;
  /** Largest request body in bytes (default 4 MiB). */
  maxBody?: number;
  /** pino logging; false for none (tests that read no logs). */
  logger?: boolean | { level?: string; stream?: NodeJS.WritableStream };
  /** How often an idle watch gets a BOOKMARK (default 5 s). */
  bookmarkMs?: number;
  https?: { cert: Buffer; key: Buffer; ca?: Buffer };
}

const BODY_TYPES = ["application/json", "application/yaml", "application/x-yaml", "text/yaml"];

export function buildServer(opts: ServerOptions): FastifyInstance {
  const logger = opts.logger === undefined || opts.logger === true ? { level: "info" } : opts.logger;
  const app = Fastify({
    ...(opts.https ? { https: { cert: opts.https.cert, key: opts.https.key, ...(opts.https.ca ? { ca: opts.https.ca, requestCert: true, rejectUnauthorized: true } : {}) } } : {}),
    logger: logger === false ? false : { level: logger.level ?? "info", ...(logger.stream ? { stream: logger.stream } : {}), redact: ["req.headers.authorization"] },
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    bodyLimit: opts.maxBody ?? 4 * 1024 * 1024,
    // Watch streams never end by themselves: closing the server ends them.
    forceCloseConnections: true,
  }) as unknown as FastifyInstance;
  const state = new DesiredState(opts.store);
  const metrics = serverMetrics(state, () => nodeRows(state));

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(BODY_TYPES, { parseAs: "string" }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err, req, reply) => sendError(err, req, reply));
  app.setNotFoundHandler((req, reply) => sendError(new NotFound(`no route ${req.method} ${req.url.split("?")[0]}`), req, reply));
  app.addHook("onRequest", async (req, reply) => {
    reply.header("x-request-id", req.id);
    authenticate(opts.tokens, req);
  });
  app.addHook("onResponse", async (req, reply) => {
    const route = req.routeOptions.url ?? "unmatched";
    metrics.requests.inc({ route, method: req.method, status: String(reply.statusCode) });
    req.log.info({ method: req.method, route, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime), who: req.principal?.name }, "request");
  });

  /** The desired state for a read; a stale one (store unavailable) says so in a Warning header. */
  const viewFor = async (reply: FastifyReply) => {
    const v = await state.view();
    // A header holds printable ASCII only: anything else in the store's message (quotes too) becomes a space.
    if (v.stale) reply.header("warning", `110 moat "may be stale: ${v.stale.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, " ")}"`);
    return v;
  };
  const text = (body: unknown) => (typeof body === "string" ? body : undefined);
  const namespaceOf = (q: unknown) => {
    const ns = (q as { namespace?: unknown }).namespace;
    if (ns !== undefined && typeof ns !== "string") throw new BadRequest("namespace: give it once");
    return ns;
  };

  app.get("/healthz", async () => ({ ok: true, revision: await opts.store.revision() }));
  app.get("/openapi.json", async () => openApiDocument());
  // Who the token is (as `kubectl auth whoami`): a client shows only what the role may do.
  app.get("/v1/whoami", { config: { roles: READERS } }, async (req) => {
    const { name, role, node } = req.principal!;
    return { name, role, ...(node ? { node } : {}) };
  });
  app.get("/metrics", { config: { roles: READERS } }, async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));

  app.post("/v1/apply", { config: { roles: ADMIN } }, async (req) => {
    const raw = text(req.body) ?? "";
    const body = manifestsOf(raw, req.headers["content-type"]);
    // As kubectl: an empty body is a mistake (a wrong file, a failed pipe), not a request to do nothing.
    if (!body.docs.length) throw new BadRequest("no objects passed to apply");
    return state.apply(body).catch((e: unknown) => {
      throw e instanceof InvalidInput ? new InvalidInput(withLines(e.issues, raw, BODY_NAME)) : e;
    });
  });
  app.post("/v1/delete", { config: { roles: ADMIN } }, async (req) => {
    const docs = manifestsOf(text(req.body) ?? "", req.headers["content-type"]).docs;
    if (!docs.length) throw new BadRequest("no objects passed to delete");
    return state.remove(docs.map((d) => manifestKeyOrThrow(d.doc)), { missingOk: true });
  });

  app.get("/v1/resources", { config: { roles: READERS } }, async (_req, reply) => {
    const view = await viewFor(reply);
    return { revision: view.revision, items: view.resources.map(present) };
  });
  app.get("/v1/:kind", { config: { roles: READERS } }, async (req, reply) => {
    const kind = kindOfPlural((req.params as { kind: string }).kind);
    const view = await viewFor(reply);
    return { revision: view.revision, items: byKind(view.resources, kind, namespaceOf(req.query)).map(present) };
  });
  app.get("/v1/:kind/:name", { config: { roles: READERS } }, async (req, reply) => {
    const { kind: plural, name } = req.params as { kind: string; name: string };
    const key = keyOf(kindOfPlural(plural), name, namespaceOf(req.query));
    const found = (await viewFor(reply)).resources.find((r) => r.key.kind === key.kind && r.key.namespace === key.namespace && r.key.name === key.name);
    if (!found) throw new NotFound(`${key.kind} ${JSON.stringify(key.namespace ? `${key.namespace}/${name}` : name)} not found`);
    return present(found);
  });
  app.delete("/v1/:kind/:name", { config: { roles: ADMIN } }, async (req) => {
    const { kind: plural, name } = req.params as { kind: string; name: string };
    const { revision } = await state.remove([keyOf(kindOfPlural(plural), name, namespaceOf(req.query))]);
    return { revision };
  });

  app.post("/v1/check", { config: { roles: READERS } }, async (req, reply) => {
    const body = objectOf(text(req.body), req.headers["content-type"], checkRequestSchema);
    return checkAnswer((await viewFor(reply)).model, body);
  });
  app.post("/v1/matrix", { config: { roles: READERS } }, async (req, reply) => {
    const body = objectOf(text(req.body), req.headers["content-type"], matrixRequestSchema);
    return matrixAnswer((await viewFor(reply)).model, body.ports);
  });

  app.get("/v1/nodes", { config: { roles: READERS } }, async () => ({ revision: (await state.view()).revision, items: await nodeRows(state) }));
  app.get("/v1/nodes/:node/plan", { config: { roles: READERS } }, async (req, reply) => {
    const view = await viewFor(reply);
    const { node, plan, hash } = nodePlan(view.model, (req.params as { node: string }).node);
    return { node, revision: view.revision, hash, plan };
  });
  app.put("/v1/nodes/:node/status", { config: { roles: ["admin", "agent"] } }, async (req) => {
    const node = (req.params as { node: string }).node;
    requireNodeAccess(req, node);
    const body = objectOf(text(req.body), req.headers["content-type"], nodeStatusSchema);
    await opts.store.putNodeStatus({ node, revision: body.revision, planHash: body.planHash, error: body.error, reportedAt: new Date().toISOString(), ...(body.backend ? { backend: body.backend } : {}), ...(body.underlay ? { underlay: body.underlay } : {}) });
    return { ok: true };
  });

  registerWatch(app, opts.store, metrics.watchers, opts.bookmarkMs ?? 5000);
  registerUi(app);
  registerIpam(app, state);
  registerNodeWorkloads(app, state);
  return app;
}

function manifestKeyOrThrow(doc: unknown) {
  const d = doc as { kind?: unknown; metadata?: { name?: unknown } } | null;
  if (!d || typeof d !== "object" || typeof d.kind !== "string" || typeof d.metadata?.name !== "string") throw new MoatError("bad-request", "each document to delete needs kind and metadata.name");
  return manifestKey(d as Record<string, unknown>);
}
