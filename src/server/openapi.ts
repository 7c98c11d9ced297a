// The OpenAPI 3 document of the API, generated from the zod schemas that validate the requests and the
// manifests, so the two cannot drift apart.
import { z } from "zod";
import { RESOURCE_SCHEMAS } from "../model/index.js";
import { checkRequestSchema, matrixRequestSchema, nodeStatusSchema } from "./bodies.js";
import { allocateSchema, gcSchema, releaseSchema } from "./ipam.js";
import { KIND_OF_PLURAL } from "./resources.js";

const json = (schema: z.ZodType) => z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const body = (schema: object) => ({ required: true, content: { "application/json": { schema }, "application/yaml": { schema } } });
const ok = (description: string, schema: object = { type: "object" }) => ({ description, content: { "application/json": { schema } } });
const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [String(c), { $ref: `#/components/responses/E${c}` }]));
const secured = [{ bearer: [] }];

let cached: object | undefined;

export function openApiDocument(): object {
  if (cached) return cached;
  const manifests = Object.fromEntries(Object.entries(RESOURCE_SCHEMAS).map(([kind, s]) => [kind, json(s)]));
  const anyManifest = { oneOf: Object.keys(manifests).map(ref) };
  const kindParam = { name: "kind", in: "path", required: true, schema: { type: "string", enum: Object.keys(KIND_OF_PLURAL) } };
  const nsParam = { name: "namespace", in: "query", required: false, schema: { type: "string" } };
  cached = {
    openapi: "3.0.3",
    info: { title: "moat", version: "v1", description: "Networks, workloads and policies; what can reach what; what each node enforces." },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: { ...manifests, CheckRequest: json(checkRequestSchema), MatrixRequest: json(matrixRequestSchema), NodeStatus: json(nodeStatusSchema), IpamAllocate: json(allocateSchema), IpamRelease: json(releaseSchema), IpamGc: json(gcSchema), Error: { type: "object", properties: { error: { type: "string" }, issues: { type: "array" }, requestId: { type: "string" } } } },
      responses: Object.fromEntries(
        [
          [400, "malformed body or parameter (syntax errors name line and column)"],
          [401, "no or unknown bearer token"],
          [403, "the token's role may not do this"],
          [404, "no such resource or route"],
          [409, "the store changed concurrently; retry"],
          [410, "the watch revision is older than the history kept; list again"],
          [413, "body larger than --max-body"],
          [415, "body is neither JSON nor YAML"],
          [422, "invalid resources: every issue (code, path, message, file, document, and for an apply body the line), nothing stored"],
        ].map(([code, description]) => [`E${code}`, { description, content: { "application/json": { schema: ref("Error") } } }]),
      ),
    },
    paths: {
      "/healthz": { get: { summary: "liveness, no token", responses: { 200: ok("alive, with the store revision") } } },
      "/openapi.json": { get: { summary: "this document", responses: { 200: ok("OpenAPI 3") } } },
      "/metrics": { get: { summary: "Prometheus text format", security: secured, responses: { 200: { description: "metrics", content: { "text/plain": { schema: { type: "string" } } } }, ...errors(401, 403) } } },
      "/v1/apply": { post: { summary: "store manifests (moat's, or Kubernetes Namespace/Pod/NetworkPolicy) as one transaction", security: secured, requestBody: body({ type: "array", items: anyManifest }), responses: { 200: ok("revision, created, updated, unchanged"), ...errors(400, 401, 403, 409, 413, 415, 422) } } },
      "/v1/delete": { post: { summary: "delete the resources the manifests name, as one transaction", security: secured, requestBody: body({ type: "array", items: anyManifest }), responses: { 200: ok("revision and what was deleted"), ...errors(400, 401, 403, 409, 415, 422) } } },
      "/v1/whoami": { get: { summary: "the token's name and role (admin, viewer or agent) and an agent's node", security: secured, responses: { 200: ok("name, role, node"), ...errors(401) } } },
      "/v1/resources": { get: { summary: "every resource of every kind, at one revision (what an agent lists before it watches)", security: secured, responses: { 200: ok("revision and items"), ...errors(401, 403) } } },
      "/v1/{kind}": { get: { summary: "list resources of a kind", security: secured, parameters: [kindParam, nsParam], responses: { 200: ok("revision and items"), ...errors(401, 403, 404) } } },
      "/v1/{kind}/{name}": {
        get: { summary: "one resource", security: secured, parameters: [kindParam, { name: "name", in: "path", required: true, schema: { type: "string" } }, nsParam], responses: { 200: ok("the resource", anyManifest), ...errors(401, 403, 404) } },
        delete: { summary: "delete one resource (422 when the rest would be invalid)", security: secured, parameters: [kindParam, { name: "name", in: "path", required: true, schema: { type: "string" } }, nsParam], responses: { 200: ok("the new revision"), ...errors(401, 403, 404, 422) } },
      },
      "/v1/watch": { get: { summary: "newline-delimited JSON events after ?since=REV, with BOOKMARKs at least every 5 s", security: secured, parameters: [{ name: "since", in: "query", schema: { type: "integer" } }], responses: { 200: { description: "event stream", content: { "application/x-ndjson": { schema: { type: "object" } } } }, ...errors(400, 401, 403, 410) } } },
      "/v1/check": { post: { summary: "is a new connection allowed, and why (as `moat check -o json`)", security: secured, requestBody: body(ref("CheckRequest")), responses: { 200: ok("verdict and reason"), ...errors(400, 401, 403) } } },
      "/v1/matrix": { post: { summary: "every ordered pair of workloads on the ports (as `moat matrix -o json`)", security: secured, requestBody: body(ref("MatrixRequest")), responses: { 200: ok("probes"), ...errors(400, 401, 403) } } },
      "/v1/nodes": { get: { summary: "each node with what it has applied, its lag and last error", security: secured, responses: { 200: ok("nodes"), ...errors(401, 403) } } },
      "/v1/nodes/{node}/plan": { get: { summary: "the node's Plan, its hash and the revision it was compiled from", security: secured, parameters: [{ name: "node", in: "path", required: true, schema: { type: "string" } }], responses: { 200: ok("plan"), ...errors(401, 403) } } },
      "/v1/nodes/{node}/workloads/{name}": {
        put: { summary: "a node's own Workload, as moat-cni registers it (agents: their own node only, never one on another node)", security: secured, parameters: [{ name: "node", in: "path", required: true, schema: { type: "string" } }, { name: "name", in: "path", required: true, schema: { type: "string" } }, nsParam], requestBody: body(ref("Workload")), responses: { 200: ok("revision, created, updated, unchanged"), ...errors(400, 401, 403, 409, 422) } },
        delete: { summary: "delete a node's own Workload (absent: nothing to do)", security: secured, parameters: [{ name: "node", in: "path", required: true, schema: { type: "string" } }, { name: "name", in: "path", required: true, schema: { type: "string" } }, nsParam], responses: { 200: ok("revision and what was deleted"), ...errors(401, 403, 422) } },
      },
      "/v1/ipam/allocate": { post: { summary: "an address for a CNI attachment from the node's blocks of the Network (the same again for the same attachment; a fixed one with ip)", security: secured, requestBody: body(ref("IpamAllocate")), responses: { 200: ok("ip, block, subnet"), ...errors(400, 401, 403, 404, 409) } } },
      "/v1/ipam/release": { post: { summary: "give back an attachment's address (none held: nothing to do)", security: secured, requestBody: body(ref("IpamRelease")), responses: { 200: ok("released"), ...errors(400, 401, 403) } } },
      "/v1/ipam/gc": { post: { summary: "give back the node's addresses in the Network but for the valid attachments", security: secured, requestBody: body(ref("IpamGc")), responses: { 200: ok("released"), ...errors(400, 401, 403) } } },
      "/v1/ipam/blocks": { get: { summary: "every IPAM block: network, cidr, node, allocations", security: secured, responses: { 200: ok("items"), ...errors(401, 403) } } },
      "/v1/nodes/{node}/status": { get: { summary: "the node's last report alone (what moat-cni polls while ADD waits)", security: secured, parameters: [{ name: "node", in: "path", required: true, schema: { type: "string" } }], responses: { 200: ok("the report", ref("NodeStatus")), ...errors(401, 403, 404) } }, put: { summary: "an agent's report (agents: their own node only)", security: secured, parameters: [{ name: "node", in: "path", required: true, schema: { type: "string" } }], requestBody: body(ref("NodeStatus")), responses: { 200: ok("stored"), ...errors(400, 401, 403) } } },
    },
  };
  return cached;
}
