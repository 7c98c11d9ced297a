// Every route tried with no token, a wrong token, a viewer, an agent (its own node and another) and an admin.
import { mkdtempSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http, removeDir, startServer, type ServerProcess } from "../support/server-process.js";

const TOKENS = { admin: "admin-token-0123456789", viewer: "viewer-token-0123456789", agent1: "agent1-token-0123456789", agent2: "agent2-token-0123456789" };
const NET = "apiVersion: moat.dev/v1\nkind: Network\nmetadata: {name: it}\nspec: {subnets: [10.250.0.0/16]}\n---\napiVersion: moat.dev/v1\nkind: Workload\nmetadata: {name: it-1}\nspec: {node: agent-1, network: it, ips: [10.250.0.2]}\n";

let server: ServerProcess;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "moat-roles-"));
  const file = join(dir, "tokens.yaml");
  // The agent-2 entry gives only the digest, as an operator who keeps no clear tokens would.
  writeFileSync(
    file,
    [
      `- {name: ops, role: admin, token: ${TOKENS.admin}}`,
      `- {name: dash, role: viewer, token: ${TOKENS.viewer}}`,
      `- {name: node-1, role: agent, node: agent-1, token: ${TOKENS.agent1}}`,
      `- {name: node-2, role: agent, node: agent-2, sha256: ${createHash("sha256").update(TOKENS.agent2).digest("hex")}}`,
    ].join("\n"),
  );
  server = await startServer(["--tokens", file]);
  await http(server.url, "/v1/apply", { token: TOKENS.admin, body: NET, type: "application/yaml" });
});
afterAll(async () => {
  await server?.stop();
  removeDir(server.dataDir);
  removeDir(dir);
});

type Who = "none" | "wrong" | "viewer" | "agent1" | "agent2" | "admin";
const WHO: Who[] = ["none", "wrong", "viewer", "agent1", "agent2", "admin"];
const tokenOf = (w: Who) => (w === "none" ? undefined : w === "wrong" ? "not-a-token-at-all" : TOKENS[w]);

interface Route {
  name: string;
  method: string;
  path: string;
  body?: string;
  type?: string;
  /** The status for each caller that has a valid token. */
  ok: Partial<Record<Who, number>>;
}

const status = JSON.stringify({ revision: 1, planHash: "abc", error: null });
const ROUTES: Route[] = [
  { name: "list", method: "GET", path: "/v1/networks", ok: { viewer: 200, agent1: 200, agent2: 200, admin: 200 } },
  { name: "list all", method: "GET", path: "/v1/resources", ok: { viewer: 200, agent1: 200, agent2: 200, admin: 200 } },
  { name: "get", method: "GET", path: "/v1/networks/it", ok: { viewer: 200, agent1: 200, agent2: 200, admin: 200 } },
  { name: "apply", method: "POST", path: "/v1/apply", body: NET, type: "application/yaml", ok: { viewer: 403, agent1: 403, agent2: 403, admin: 200 } },
  { name: "delete by file", method: "POST", path: "/v1/delete", body: "apiVersion: moat.dev/v1\nkind: Policy\nmetadata: {name: none}\nspec: {}\n", type: "application/yaml", ok: { viewer: 403, agent1: 403, agent2: 403, admin: 200 } },
  { name: "delete", method: "DELETE", path: "/v1/policies/none", ok: { viewer: 403, agent1: 403, agent2: 403, admin: 404 } },
  { name: "check", method: "POST", path: "/v1/check", body: JSON.stringify({ from: "10.9.9.9", to: "it-1", port: 80 }), ok: { viewer: 200, agent1: 200, agent2: 200, admin: 200 } },
  { name: "matrix", method: "POST", path: "/v1/matrix", body: JSON.stringify({ ports: [{ protocol: "TCP", port: 80 }] }), ok: { viewer: 200, agent1: 200, agent2: 200, admin: 200 } },
  { name: "nodes", method: "GET", path: "/v1/nodes", ok: { viewer: 200, agent1: 200, agent2: 200, admin: 200 } },
  { name: "plan", method: "GET", path: "/v1/nodes/agent-1/plan", ok: { viewer: 200, agent1: 200, agent2: 200, admin: 200 } },
  { name: "status of agent-1", method: "PUT", path: "/v1/nodes/agent-1/status", body: status, ok: { viewer: 403, agent1: 200, agent2: 403, admin: 200 } },
  { name: "status of agent-2", method: "PUT", path: "/v1/nodes/agent-2/status", body: status, ok: { viewer: 403, agent1: 403, agent2: 200, admin: 200 } },
  { name: "watch", method: "GET", path: "/v1/watch?since=99", ok: { viewer: 410, agent1: 410, agent2: 410, admin: 410 } },
  { name: "metrics", method: "GET", path: "/metrics", ok: { viewer: 200, agent1: 200, agent2: 200, admin: 200 } },
];

describe("roles", () => {
  it.each(ROUTES)("$name: 401 without or with a wrong token; each role as it may", async (route) => {
    const got: Record<string, number> = {};
    for (const who of WHO) {
      const r = await http(server.url, route.path, { method: route.method, ...(tokenOf(who) ? { token: tokenOf(who)! } : {}), ...(route.body !== undefined ? { body: route.body, type: route.type ?? "application/json" } : {}) });
      got[who] = r.status;
      if (r.status >= 400) expect(r.body.error, `${route.name} as ${who}`).toBeTypeOf("string");
    }
    expect(got).toEqual({ none: 401, wrong: 401, ...route.ok });
  });

  it("needs no token for /healthz and /openapi.json", async () => {
    expect((await http(server.url, "/healthz")).status).toBe(200);
    expect((await http(server.url, "/openapi.json")).status).toBe(200);
  });

  it("refuses a tokens file that does not hold, naming the entry and field", async () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "- {name: n, role: agent, token: short}\n");
    const r = await startServer(["--tokens", bad]).then(
      (s) => s.stop().then(() => "started"),
      (e: Error) => e.message,
    );
    expect(r).toMatch(/exited 2/);
    expect(r).toMatch(/\[0\]\.token/);
    expect(r).toMatch(/node/);
  });
});
