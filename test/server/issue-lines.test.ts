// A refused apply says at which line of the body each issue is (YAML or JSON), and who a token is.
import { describe, expect, it } from "vitest";
import { buildServer, TokenTable } from "../../src/server/index.js";
import { openSqliteStore } from "../../src/store/index.js";

const ADMIN = "issue-lines-admin-token-0123";
const VIEWER = "issue-lines-viewer-token-0123";

async function server() {
  const store = openSqliteStore(":memory:");
  const tokens = TokenTable.parse(`- {name: ops, role: admin, token: ${ADMIN}}\n- {name: eve, role: viewer, token: ${VIEWER}}\n`, "tokens.yaml");
  return buildServer({ store, tokens, logger: false });
}

const apply = (app: Awaited<ReturnType<typeof server>>, payload: string, type = "application/yaml") =>
  app.inject({ method: "POST", url: "/v1/apply", headers: { authorization: `Bearer ${ADMIN}`, "content-type": type }, payload });

describe("issue lines", () => {
  it("names the line of each issue of a YAML body, in every document, and of a JSON body", async () => {
    const app = await server();
    const yaml = [
      "apiVersion: moat.dev/v1",
      "kind: Network",
      "metadata: {name: hr}",
      "spec:",
      "  subnets: [192.168.0.0/16]",
      "  isolation: sometimes",
      "---",
      "apiVersion: moat.dev/v1",
      "kind: Policy",
      "metadata: {name: p}",
      "spec:",
      "  order: 1",
      "  selector: all()",
      "  ingress:",
      "    - action: Allow",
      "      protocol: TCP",
      "      ports: [99999]",
      "",
    ].join("\n");
    const r = await apply(app, yaml);
    expect(r.statusCode, r.body).toBe(422);
    const issues = r.json().issues as { path: (string | number)[]; line?: number; document: number }[];
    expect(issues.map((i) => [i.document, i.path.join("."), i.line])).toEqual([
      [0, "spec.isolation", 6],
      [1, "spec.ingress.0.ports.0", 17],
    ]);
    const json = await apply(app, '{"apiVersion": "moat.dev/v1",\n "kind": "Network",\n "metadata": {"name": "x"},\n "spec": {"subnets": ["10.0.0.0/33"]}}', "application/json");
    expect(json.statusCode).toBe(422);
    expect(json.json().issues.map((i: { line?: number }) => i.line)).toEqual([4]);
    expect((await app.inject({ method: "GET", url: "/healthz" })).json().revision).toBe(0);
    await app.close();
  });

  it("says who a token is: its name and role", async () => {
    const app = await server();
    const who = (t: string) => app.inject({ method: "GET", url: "/v1/whoami", headers: { authorization: `Bearer ${t}` } });
    expect((await who(ADMIN)).json()).toEqual({ name: "ops", role: "admin" });
    expect((await who(VIEWER)).json()).toEqual({ name: "eve", role: "viewer" });
    expect((await who("nobody-at-all-0123456789")).statusCode).toBe(401);
    expect(Object.keys((await app.inject({ method: "GET", url: "/openapi.json" })).json().paths)).toContain("/v1/whoami");
    await app.close();
  });
});
