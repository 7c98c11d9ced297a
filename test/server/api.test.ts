// The REST API through a real `moat server` process over real HTTP on loopback, with a real SQLite file.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assembleModel, checkAnswer, matrixAnswer, parseSources } from "../../src/service/index.js";
import { InvalidInput } from "../../src/errors/index.js";
import { http, removeDir, ROOT, startServer, type ServerProcess } from "../support/server-process.js";

const example = (name: string) => readFileSync(`${ROOT}/examples/${name}`, "utf8");
const DCOS = example("dcos-overlays.yaml");

let server: ServerProcess;
let T: string;
const api = (path: string, init: Parameters<typeof http>[2] = {}) => http(server.url, path, { token: T, ...init });
const revision = async () => (await http(server.url, "/healthz")).body.revision as number;

beforeAll(async () => {
  server = await startServer(["--max-body", "65536", "--bookmark-interval", "300"]);
  T = server.adminToken;
});
afterAll(async () => {
  await server?.stop();
  removeDir(server.dataDir);
});

describe("moat server: resources", () => {
  it("answers /healthz without a token, and creates DIR/admin.token with mode 0600", async () => {
    const r = await http(server.url, "/healthz");
    expect(r).toMatchObject({ status: 200, body: { ok: true, revision: 0 } });
    expect(r.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const { statSync } = await import("node:fs");
    expect(statSync(`${server.dataDir}/admin.token`).mode & 0o777).toBe(0o600);
    expect(server.stderr()).toContain(`admin token: ${server.dataDir}/admin.token`);
  });

  it("applies manifests as one revision, says what changed, and lists and gets them with their revision", async () => {
    const first = await api("/v1/apply", { body: DCOS, type: "application/yaml" });
    expect(first.status).toBe(200);
    expect(first.body.revision).toBe(1);
    expect(first.body.created).toEqual(["Network/it", "Network/hr", "Workload/it-1", "Workload/it-2", "Workload/hr-1", "Workload/hr-2", "Policy/hr-to-it-http"]);
    const again = await api("/v1/apply", { body: DCOS, type: "application/yaml" });
    expect(again.body).toEqual({ revision: 1, created: [], updated: [], unchanged: first.body.created });
    const changed = DCOS.replace("order: 100", "order: 90");
    expect(changed).not.toBe(DCOS);
    const third = await api("/v1/apply", { body: changed, type: "application/yaml" });
    expect(third.body).toMatchObject({ revision: 2, created: [], updated: ["Policy/hr-to-it-http"] });

    const nets = await api("/v1/networks");
    expect(nets.status).toBe(200);
    expect(nets.body.revision).toBe(2);
    expect(nets.body.items.map((n: any) => [n.metadata.name, n.metadata.resourceVersion])).toEqual([["it", "1"], ["hr", "1"]]);
    const pol = await api("/v1/policies/hr-to-it-http");
    expect(pol.body).toMatchObject({ kind: "Policy", metadata: { name: "hr-to-it-http", resourceVersion: "2" }, spec: { order: 90 } });
    // What `get` returns can be applied again as it is.
    const back = await api("/v1/apply", { body: JSON.stringify([pol.body]) });
    expect(back.body).toMatchObject({ revision: 2, unchanged: ["Policy/hr-to-it-http"] });
  });

  it("lists every kind at one revision under /v1/resources", async () => {
    const all = await api("/v1/resources");
    expect(all.body.revision).toBe(await revision());
    expect(all.body.items.map((i: any) => i.kind).sort()).toEqual(["Network", "Network", "Policy", "Workload", "Workload", "Workload", "Workload"]);
  });

  it("refuses every manifest the CLI refuses with 422 and the same issues, and stores nothing", async () => {
    const bad = [
      "apiVersion: moat.dev/v1\nkind: Network\nmetadata: {name: hr}\nspec: {subnets: [192.168.0.0./16]}\n",
      "apiVersion: moat.dev/v1\nkind: Netwrk\nmetadata: {name: x}\nspec: {}\n",
      "apiVersion: moat.dev/v1\nkind: Workload\nmetadata: {name: w}\nspec: {node: agent-1, network: nowhere, ips: [10.9.0.1]}\n",
      "apiVersion: moat.dev/v1\nkind: Policy\nmetadata: {name: p}\nspec: {order: 1, selector: 'app ==', ingress: [{action: Allow}]}\n",
      "apiVersion: moat.dev/v1\nkind: Network\nmetadata: {name: it}\nspec: {subnets: [10.250.0.0/24], isolation: sometimes}\n",
      "apiVersion: moat.dev/v1\nkind: Network\nmetadata: {name: clash}\nspec: {subnets: [10.250.0.0/16]}\n",
      "apiVersion: moat.dev/v1\nkind: Workload\nmetadata: {name: it-9}\nspec: {node: agent-1, network: it, ips: [10.250.0.2]}\n",
      "apiVersion: moat.dev/v1\nkind: Workload\nmetadata: {name: dup}\nspec: {node: agent-1, network: it, ips: [10.250.0.77]}\n---\napiVersion: moat.dev/v1\nkind: Workload\nmetadata: {name: dup}\nspec: {node: agent-1, network: it, ips: [10.250.0.78]}\n",
    ];
    const stored = (await api("/v1/resources")).body.items.map((i: any) => ({ ...i, metadata: Object.fromEntries(Object.entries(i.metadata).filter(([k]) => k !== "resourceVersion")) }));
    const before = await revision();
    for (const text of bad) {
      const r = await api("/v1/apply", { body: text, type: "application/yaml" });
      expect(r.status, text).toBe(422);
      // The CLI's issues for the same write: what is stored, plus this file.
      let expected: InvalidInput | undefined;
      const storedText = stored.map((d: unknown) => JSON.stringify(d)).join("\n---\n");
      try {
        const parsed = parseSources([{ name: "body", text }]);
        const names = new Set(parsed.docs.map((d) => `${(d.doc as any).kind}/${(d.doc as any).metadata?.name}`));
        const kept = parseSources([{ name: "stored", text: storedText }]).docs.filter((d) => !names.has(`${(d.doc as any).kind}/${(d.doc as any).metadata?.name}`));
        assembleModel({ docs: [...kept, ...parsed.docs], issues: parsed.issues });
      } catch (e) {
        expected = e as InvalidInput;
      }
      expect(expected, text).toBeInstanceOf(InvalidInput);
      const shape = (i: any) => ({ code: i.code, path: i.path, message: i.message });
      expect(r.body.issues.map(shape), text).toEqual(expected!.issues.map(shape));
      expect(r.body.issues.length).toBeGreaterThan(0);
    }
    expect(await revision()).toBe(before);
  });

  it("gives 400 naming line and column for a malformed body, 415 for another media type, 413 over --max-body", async () => {
    const json = await api("/v1/apply", { body: '[{"kind": "Network",\n  "metadata": }]' });
    expect(json.status).toBe(400);
    expect(json.body.error).toMatch(/not valid JSON at line 2, column 15/);
    const yaml = await api("/v1/apply", { body: "kind: Network\nmetadata: {name: [x\n", type: "application/yaml" });
    expect(yaml.status).toBe(400);
    expect(yaml.body.error).toMatch(/line \d+/);
    expect((await api("/v1/apply", { body: "x", type: "text/plain" })).status).toBe(415);
    const big = await api("/v1/apply", { body: JSON.stringify([{ pad: "x".repeat(70_000) }]) });
    expect(big.status).toBe(413);
    expect(big.body.error).toBeTypeOf("string");
    expect((await api("/v1/check", { body: '{"from": "hr-1"}' })).body.error).toMatch(/to.*required|required.*to/i);
  });

  it("gives 404 for an unknown kind, resource or route, and a JSON error body", async () => {
    expect(await api("/v1/gadgets")).toMatchObject({ status: 404, body: { error: expect.stringContaining("gadgets") } });
    expect(await api("/v1/networks/nope")).toMatchObject({ status: 404, body: { error: expect.stringContaining("nope") } });
    expect(await api("/v2/things")).toMatchObject({ status: 404 });
    expect((await api("/v1/networks/it", { method: "DELETE" })).status).toBe(422);
  });

  it("deletes a resource (422 while others use it), and DELETE of what is gone is 404", async () => {
    const used = await api("/v1/networks/hr", { method: "DELETE" });
    expect(used.status).toBe(422);
    expect(JSON.stringify(used.body.issues)).toMatch(/hr/);
    const before = await revision();
    const del = await api("/v1/policies/hr-to-it-http", { method: "DELETE" });
    expect(del).toMatchObject({ status: 200, body: { revision: before + 1 } });
    expect((await api("/v1/policies/hr-to-it-http", { method: "DELETE" })).status).toBe(404);
    expect((await api("/v1/policies")).body.items).toEqual([]);
    await api("/v1/apply", { body: DCOS, type: "application/yaml" });
  });

  it("answers check and matrix exactly as the CLI's -o json does, from the stored model", async () => {
    const model = assembleModel(parseSources([{ name: "x", text: DCOS }]));
    const check = await api("/v1/check", { body: JSON.stringify({ from: "hr-1", to: "it-1", port: 80 }) });
    expect(check.body).toEqual(JSON.parse(JSON.stringify(checkAnswer(model, { from: "hr-1", to: "it-1", protocol: "TCP", port: 80 }))));
    expect(check.body.allowed).toBe(true);
    const denied = await api("/v1/check", { body: JSON.stringify({ from: "it-1", to: "hr-1", port: 80 }) });
    expect(denied.body.allowed).toBe(false);
    const m = await api("/v1/matrix", { body: JSON.stringify({ ports: [{ protocol: "TCP", port: 80 }, { protocol: "UDP", port: 53 }] }) });
    expect(m.body).toEqual(JSON.parse(JSON.stringify(matrixAnswer(model, [{ protocol: "TCP", port: 80 }, { protocol: "UDP", port: 53 }]))));
    expect((await api("/v1/check", { body: JSON.stringify({ from: "nobody", to: "it-1", port: 80 }) })).status).toBe(400);
  });

  it("serves a node's plan with its hash and revision, and records each node's report", async () => {
    const plan = await api("/v1/nodes/agent-1/plan");
    expect(plan.body).toMatchObject({ node: "agent-1", revision: await revision(), hash: expect.stringMatching(/^[0-9a-f]{12}$/) });
    expect(plan.body.plan.chains.length).toBeGreaterThan(0);
    const put = await api("/v1/nodes/agent-1/status", { method: "PUT", body: JSON.stringify({ revision: 1, planHash: plan.body.hash, error: null }) });
    expect(put.status).toBe(200);
    const nodes = await api("/v1/nodes");
    const one = nodes.body.items.find((n: any) => n.node === "agent-1");
    expect(one).toMatchObject({ revision: 1, lag: (await revision()) - 1, planHash: plan.body.hash, expectedPlanHash: plan.body.hash, inSync: true, error: null });
    expect(nodes.body.items.find((n: any) => n.node === "agent-2")).toMatchObject({ revision: null, inSync: false });
    expect((await api("/v1/nodes/agent-1/status", { method: "PUT", body: JSON.stringify({ revision: -1, planHash: "x" }) })).status).toBe(400);
  });

  it("exports Prometheus metrics and an OpenAPI document of every route", async () => {
    const m = await api("/metrics");
    expect(m.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(m.text).toMatch(/moat_http_requests_total\{route="\/v1\/apply",method="POST",status="200"\} \d+/);
    expect(m.text).toMatch(new RegExp(`moat_store_revision ${await revision()}`));
    expect(m.text).toMatch(/moat_node_applied_revision\{node="agent-1"\} 1/);
    const doc = (await http(server.url, "/openapi.json")).body;
    expect(doc.openapi).toMatch(/^3\./);
    for (const p of ["/v1/apply", "/v1/{kind}", "/v1/{kind}/{name}", "/v1/watch", "/v1/check", "/v1/matrix", "/v1/nodes", "/v1/nodes/{node}/plan", "/v1/nodes/{node}/status", "/healthz", "/metrics"]) expect(doc.paths, p).toHaveProperty([p]);
    expect(doc.components.schemas.Network.properties.spec.properties.isolation.enum).toEqual(["none", "network", "workload"]);
  });

  it("logs one JSON line per request, and never the token", async () => {
    await api("/v1/networks");
    await new Promise((r) => setTimeout(r, 200));
    const lines = server.logs().trim().split("\n").map((l) => JSON.parse(l));
    const requests = lines.filter((l) => l.msg === "request");
    expect(requests.length).toBeGreaterThan(20);
    expect(requests.at(-1)).toMatchObject({ method: "GET", route: "/v1/:kind", status: 200, who: "admin" });
    expect(server.logs()).not.toContain(T);
  });
});

describe("moat server: watch", () => {
  const watch = async (since: number, until: (events: any[]) => boolean, ms = 5000) => {
    const ctl = new AbortController();
    const res = await fetch(`${server.url}/v1/watch?since=${since}`, { headers: { authorization: `Bearer ${T}` }, signal: ctl.signal });
    const events: any[] = [];
    const reader = res.body!.getReader();
    const deadline = Date.now() + ms;
    let rest = "";
    try {
      while (!until(events) && Date.now() < deadline) {
        const { value, done } = await Promise.race([reader.read(), new Promise<{ value: undefined; done: true }>((r) => setTimeout(() => r({ value: undefined, done: true }), deadline - Date.now()))]);
        if (done) break;
        rest += new TextDecoder().decode(value);
        const lines = rest.split("\n");
        rest = lines.pop()!;
        events.push(...lines.filter(Boolean).map((l) => JSON.parse(l)));
      }
    } finally {
      ctl.abort();
    }
    return { status: res.status, events };
  };

  it("streams the history after REV in order, then live events, with bookmarks when idle", async () => {
    const now = await revision();
    const live = watch(now, (es) => es.some((e) => e.type === "ADDED" && e.object.metadata.name === "it-9"));
    await new Promise((r) => setTimeout(r, 200));
    await api("/v1/apply", { body: "apiVersion: moat.dev/v1\nkind: Workload\nmetadata: {name: it-9}\nspec: {node: agent-2, network: it, ips: [10.250.0.9]}\n", type: "application/yaml" });
    const got = (await live).events;
    expect(got[0]).toEqual({ type: "BOOKMARK", revision: now });
    expect(got.find((e) => e.type === "ADDED")).toMatchObject({ revision: now + 1, kind: "Workload", object: { metadata: { name: "it-9", resourceVersion: String(now + 1) } } });

    const history = await watch(0, (es) => es.filter((e) => e.type === "BOOKMARK").length >= 2);
    const revs = history.events.filter((e) => e.type !== "BOOKMARK").map((e) => e.revision);
    expect(revs).toEqual([...revs].sort((a, b) => a - b));
    expect(revs[0]).toBe(1);
    expect(new Set(revs).size).toBe(now + 1);
    expect(history.events.filter((e) => e.type === "BOOKMARK").at(-1)).toEqual({ type: "BOOKMARK", revision: now + 1 });
  });

  it("gives 410 for a revision older than the history kept, and newer than the store", async () => {
    const small = await startServer(["--history", "2"]);
    try {
      const t = small.adminToken;
      for (let i = 0; i < 5; i++) await http(small.url, "/v1/apply", { token: t, body: `apiVersion: moat.dev/v1\nkind: Network\nmetadata: {name: n${i}}\nspec: {subnets: [10.${i}.0.0/16]}\n`, type: "application/yaml" });
      expect((await http(small.url, "/v1/watch?since=1", { token: t })).status).toBe(410);
      expect((await http(small.url, "/v1/watch?since=99", { token: t })).status).toBe(410);
      expect((await http(small.url, "/v1/watch?since=x", { token: t })).status).toBe(400);
    } finally {
      await small.stop();
      removeDir(small.dataDir);
    }
  });
});
