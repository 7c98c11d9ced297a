// Request bodies: JSON or YAML text (YAML is a superset of JSON, so one parser gives line and column for
// both), and the zod schemas of the non-manifest bodies, which the OpenAPI document is generated from too.
import { parse as parseJson, printParseErrorCode, type ParseError } from "jsonc-parser";
import { z } from "zod";
import { BadRequest } from "../errors/index.js";
import { formatIssue, fromZod, PROTOCOLS } from "../model/index.js";
import { parseSources, withoutResourceVersion, type ParsedSources } from "../service/index.js";

export const BODY_NAME = "body";

export const checkRequestSchema = z.strictObject({
  from: z.string().min(1).describe("source workload (name or namespace/name) or IP address"),
  to: z.string().min(1).describe("destination workload or IP address"),
  protocol: z.enum(PROTOCOLS).default("TCP"),
  port: z.number().int().min(1).max(65535).optional(),
});

export const portProbeSchema = z.strictObject({ protocol: z.enum(PROTOCOLS), port: z.number().int().min(1).max(65535).optional() });

export const matrixRequestSchema = z.strictObject({
  ports: z.array(portProbeSchema).default([]).describe("ports to probe; empty: the ports the workloads declare"),
});

export const nodeStatusSchema = z.strictObject({
  revision: z.number().int().min(0).describe("the store revision of the Plan the node has applied"),
  planHash: z.string().max(64),
  error: z.string().max(4096).nullable().default(null),
  backend: z.string().max(32).optional(),
  underlay: z.ipv4().optional().describe("the node's underlay IPv4 address, when its agent keeps a VXLAN overlay"),
});

/** A JSON syntax error as line and column (the YAML parser would take some JSON typos as YAML). */
function checkJsonSyntax(text: string): void {
  const errors: ParseError[] = [];
  parseJson(text, errors, { disallowComments: true, allowTrailingComma: false });
  const first = errors[0];
  if (!first) return;
  const before = text.slice(0, first.offset);
  const line = before.split("\n").length;
  const column = first.offset - before.lastIndexOf("\n");
  throw new BadRequest(`malformed body: not valid JSON at line ${line}, column ${column}: ${printParseErrorCode(first.error)}`);
}

/** Manifests: the documents, with syntax errors as 400 naming line and column. */
export function manifestsOf(text: string, contentType?: string): ParsedSources {
  if (contentType?.startsWith("application/json") && text.trim()) checkJsonSyntax(text);
  const parsed = parseSources([{ name: BODY_NAME, text }]);
  if (parsed.issues.length) throw new BadRequest(`malformed body: ${parsed.issues.map(formatIssue).join("; ")}`);
  return { docs: parsed.docs.map((d) => ({ ...d, doc: withoutResourceVersion(d.doc) })), issues: [] };
}

/** One object of the given schema; a body that does not fit is a 400 naming each field. */
export function objectOf<S extends z.ZodType>(text: string | undefined, contentType: string | undefined, schema: S): z.output<S> {
  const docs = manifestsOf(text ?? "", contentType).docs;
  const raw = docs.length === 0 ? {} : docs[0]!.doc;
  if (docs.length > 1 || Array.isArray(raw)) throw new BadRequest("malformed body: expected one JSON object");
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new BadRequest(`malformed body: ${fromZod(parsed.error, raw, schema).map(formatIssue).join("; ")}`);
  return parsed.data;
}
