// The CLI against a real server, as kubectl is used: apply, get, delete, check, matrix, nodes.
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MOAT, removeDir, ROOT, startServer, type ServerProcess } from "../support/server-process.js";

let server: ServerProcess;
const moat = (args: string[], input?: string, env: Record<string, string> = {}) => {
  const r = spawnSync(process.execPath, [MOAT, ...args], { cwd: ROOT, input, encoding: "utf8", timeout: 20_000, env: { ...process.env, MOAT_SERVER: server.url, MOAT_TOKEN: server.adminToken, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
  removeDir(server.dataDir);
});

describe("moat CLI --server", () => {
  it("apply stores the manifests and says what changed, as kubectl apply", () => {
    const first = moat(["apply", "-f", "examples/dcos-overlays.yaml"]);
    expect(first).toMatchObject({ code: 0, err: "" });
    expect(first.out).toBe(["Network/it created", "Network/hr created", "Workload/it-1 created", "Workload/it-2 created", "Workload/hr-1 created", "Workload/hr-2 created", "Policy/hr-to-it-http created", "revision 1", ""].join("\n"));
    const again = moat(["apply", "-f", "examples/dcos-overlays.yaml", "-o", "json"]);
    expect(JSON.parse(again.out)).toMatchObject({ revision: 1, created: [], updated: [] });
  });

  it("apply of an invalid file is exit 2 with every issue naming the file and document, and stores nothing", () => {
    const bad = "apiVersion: moat.dev/v1\nkind: Network\nmetadata: {name: ok}\nspec: {subnets: [10.1.0.0/16]}\n---\napiVersion: moat.dev/v1\nkind: Network\nmetadata: {name: hr2}\nspec: {subnets: [192.168.0.0./16]}\n";
    const r = moat(["apply", "-f", "-"], bad);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^<stdin>#2: Network\/hr2: spec\.subnets\[0\]: "192\.168\.0\.0\.\/16" is not a valid CIDR/m);
    expect(moat(["get", "networks", "-o", "json"]).out).not.toContain('"ok"');
    expect(moat(["apply", "-f", "-"], "")).toMatchObject({ code: 2 });
  });

  it("get lists a kind as a table, YAML or JSON, and one resource by name", () => {
    const table = moat(["get", "workloads"]);
    expect(table.code).toBe(0);
    expect(table.out.split("\n")[0]).toMatch(/^NAMESPACE\s+NAME\s+NODE\s+NETWORK\s+IPS\s+REVISION$/);
    expect(table.out).toMatch(/\s+it-1\s+agent-1\s+it\s+10\.250\.0\.2\s+1\n/);
    const one = moat(["get", "network", "it", "-o", "json"]);
    expect(JSON.parse(one.out)).toMatchObject({ kind: "Network", metadata: { name: "it", resourceVersion: "1" } });
    const yaml = moat(["get", "policies", "-o", "yaml"]);
    expect(yaml.out).toMatch(/^apiVersion: moat.dev\/v1\nkind: Policy\n/);
    expect(moat(["get", "gadgets"])).toMatchObject({ code: 2, err: expect.stringMatching(/"gadgets" is not a resource type/) });
    expect(moat(["get", "network", "nope"])).toMatchObject({ code: 2, err: 'error: Network "nope" not found\n' });
  });

  it("check and matrix answer from the stored model, with the offline exit codes", () => {
    const allowed = moat(["check", "--from", "hr-1", "--to", "it-1", "--port", "80"]);
    const offline = spawnSync(process.execPath, [MOAT, "check", "-f", "examples/dcos-overlays.yaml", "--from", "hr-1", "--to", "it-1", "--port", "80"], { cwd: ROOT, encoding: "utf8" });
    expect(allowed).toMatchObject({ code: 0, out: offline.stdout });
    expect(moat(["check", "--from", "it-1", "--to", "hr-1", "--port", "80"]).code).toBe(1);
    const m = moat(["matrix", "--port", "80", "-o", "json"]);
    const off = spawnSync(process.execPath, [MOAT, "matrix", "-f", "examples/dcos-overlays.yaml", "--port", "80", "-o", "json"], { cwd: ROOT, encoding: "utf8" });
    expect(m.out).toBe(off.stdout);
  });

  it("delete removes by kind and name or by file; a network in use is refused with its issues", () => {
    const inUse = moat(["delete", "network", "it"]);
    expect(inUse.code).toBe(2);
    expect(inUse.err).toMatch(/it/);
    expect(moat(["delete", "policy", "hr-to-it-http"])).toMatchObject({ code: 0, out: expect.stringMatching(/^policies\/hr-to-it-http deleted \(revision 2\)\n$/) });
    const byFile = moat(["delete", "-f", "examples/dcos-overlays.yaml"]);
    expect(byFile.code).toBe(0);
    expect(byFile.out).toContain("Network/hr deleted");
    expect(moat(["get", "networks", "-o", "json"]).out).toBe('{\n  "items": []\n}\n');
  });

  it("nodes lists what each node applied", () => {
    moat(["apply", "-f", "examples/dcos-overlays.yaml"]);
    const r = moat(["nodes"]);
    expect(r.code).toBe(0);
    expect(r.out.split("\n")[0]).toMatch(/^NODE\s+APPLIED\s+LAG\s+PLAN\s+IN-SYNC\s+REPORTED\s+ERROR$/);
    expect(r.out).toMatch(/^agent-1\s+-\s+-\s+-\s+no\s/m);
  });

  it("a server that cannot be reached is exit 3 with the URL and the reason, never a stack trace", () => {
    const r = moat(["get", "networks"], undefined, { MOAT_SERVER: "http://127.0.0.1:9" });
    expect(r).toMatchObject({ code: 3, err: "error: cannot reach the moat server (http://127.0.0.1:9: ECONNREFUSED)\n" });
    const wrongToken = moat(["get", "networks"], undefined, { MOAT_TOKEN: "nope" });
    expect(wrongToken).toMatchObject({ code: 3, err: "error: unknown token\n" });
    expect(moat(["get", "networks"], undefined, { MOAT_SERVER: "ftp://x" })).toMatchObject({ code: 2 });
  });
});
