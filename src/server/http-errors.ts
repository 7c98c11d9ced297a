// The one map from moat's error kinds to HTTP statuses, and the JSON body every error response has.
// Nothing else in the server picks a status for a failure; nothing sends a stack trace.
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { InvalidInput, MoatError, type ErrorKind } from "../errors/index.js";
import type { LocatedIssue } from "./issue-lines.js";

export const STATUS_FOR: Record<ErrorKind, number> = {
  invalid: 422,
  "bad-request": 400,
  "not-found": 404,
  conflict: 409,
  gone: 410,
  unauthorized: 401,
  forbidden: 403,
  "too-large": 413,
  "unsupported-media": 415,
  "command-failed": 500,
  unavailable: 503,
};

export function sendError(e: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (e instanceof InvalidInput) return reply.code(422).send({ error: "invalid resources", issues: (e.issues as LocatedIssue[]).map(({ code, path, message, file, document, line, resource }) => ({ code, path, message, ...(file !== undefined ? { file } : {}), ...(document !== undefined ? { document } : {}), ...(line !== undefined ? { line } : {}), ...(resource ? { resource } : {}) })) });
  if (e instanceof MoatError) return reply.code(STATUS_FOR[e.kind]).send({ error: e.message });
  // Fastify's own: body too large, unsupported content type, a malformed URL.
  const fe = e as FastifyError;
  if (typeof fe.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500) return reply.code(fe.statusCode).send({ error: fe.message });
  req.log.error({ err: e, reqId: req.id }, "internal error");
  return reply.code(500).send({ error: "internal error", requestId: req.id });
}
