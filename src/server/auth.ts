// Bearer tokens and roles. Every route says which roles may call it; the check runs before the handler.
import type { FastifyRequest } from "fastify";
import { MoatError } from "../errors/index.js";
import type { Principal, Role, TokenTable } from "./tokens.js";

export const READERS: Role[] = ["admin", "viewer", "agent"];
export const ADMIN: Role[] = ["admin"];

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** Roles allowed; absent: no token needed (healthz, openapi). */
    roles?: Role[];
  }
}

export function authenticate(tokens: TokenTable, req: FastifyRequest): void {
  const roles = req.routeOptions.config.roles;
  if (!roles) return;
  const header = req.headers.authorization;
  const token = header?.startsWith("Bearer ") ? header.slice(7).trim() : undefined;
  if (!token) throw new MoatError("unauthorized", "no bearer token: send Authorization: Bearer TOKEN");
  const principal = tokens.lookup(token);
  if (!principal) throw new MoatError("unauthorized", "unknown token");
  if (!roles.includes(principal.role)) throw new MoatError("forbidden", `role ${principal.role} (${principal.name}) may not ${req.method} ${req.routeOptions.url}`);
  req.principal = principal;
}

/** An agent may report for its own node only. */
export function requireNodeAccess(req: FastifyRequest, node: string): void {
  const p = req.principal;
  if (p?.role === "agent" && p.node !== node) throw new MoatError("forbidden", `agent token ${p.name} is for node ${p.node}, not ${node}`);
}
