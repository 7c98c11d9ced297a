// moat's IPAM through a real server: concurrent allocations from two nodes never share an address, each
// node's addresses come from blocks it claimed, agent tokens act for their own node only, fixed addresses,
// release and GC. No kernel: the server alone, on loopback.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http, removeDir, startServer, type ServerProcess } from "../support/server-process.js";
import { ADMIN_TOKEN, agentToken, tokensYaml } from "./fixture.js";

let server: ServerProcess;
let dir: string;

const post = (path: string, body: unknown, token = ADMIN_TOKEN) => http(server.url, path, { token, body: JSON.stringify(body) });
const allocate = (node: string, container: string, extra: Record<string, unknown> = {}) => post("/v1/ipam/allocate", { network: "big", node, container, ifname: "eth0", ...extra }, agentToken(node));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "moat-ipam-test-"));
  writeFileSync(join(dir, "tokens.yaml"), tokensYaml(["n1", "n2"]));
  server = await startServer(["--tokens", join(dir, "tokens.yaml")]);
  const nets = `apiVersion: moat.dev/v1\nkind: Network\nmetadata: {name: big}\nspec: {subnets: [10.70.0.0/22]}\n---\napiVersion: moat.dev/v1\nkind: Network\nmetadata: {name: rkt}\nspec: {subnets: [192.168.0.0/24]}\n---\napiVersion: moat.dev/v1\nkind: Workload\nmetadata: {name: by-hand}\nspec: {node: n1, network: big, ips: [10.70.0.1]}\n`;
  expect((await http(server.url, "/v1/apply", { token: ADMIN_TOKEN, body: nets, type: "application/yaml" })).status).toBe(200);
}, 30_000);

afterAll(async () => {
  await server?.kill();
  if (server) removeDir(server.dataDir);
  removeDir(dir);
});

describe("IPAM through the server", () => {
  it("two nodes allocating at once never get one address, and each allocates from blocks it claimed", async () => {
    const calls = Array.from({ length: 60 }, (_, i) => allocate(i % 2 ? "n2" : "n1", `c${i}`));
    const answers = await Promise.all(calls);
    expect(answers.filter((a) => a.status !== 200).map((a) => a.text)).toEqual([]);
    const ips = answers.map((a) => a.body.ip as string);
    expect(new Set(ips).size).toBe(60);
    // The address a workload written by hand holds is never handed out.
    expect(ips).not.toContain("10.70.0.1");
    const blocks = (await http(server.url, "/v1/ipam/blocks", { token: ADMIN_TOKEN })).body.items as { cidr: string; node: string; allocations: Record<string, { node: string }> }[];
    expect(blocks.map((b) => b.cidr.split("/")[1])).toEqual(blocks.map(() => "26"));
    for (const b of blocks) for (const a of Object.values(b.allocations)) expect(a.node).toBe(b.node);
    expect(new Set(blocks.map((b) => b.node))).toEqual(new Set(["n1", "n2"]));
    expect(answers.every((a, i) => blocks.find((b) => b.cidr === a.body.block)!.node === (i % 2 ? "n2" : "n1"))).toBe(true);
  });

  it("an agent token allocates for its own node only", async () => {
    const r = await post("/v1/ipam/allocate", { network: "big", node: "n2", container: "x", ifname: "eth0" }, agentToken("n1"));
    expect(r.status).toBe(403);
    expect(r.body.error).toContain("n1");
  });

  it("a fixed address: rkt's IP=192.168.0.0 (the /24's network address) once; the second asker is refused", async () => {
    const first = await post("/v1/ipam/allocate", { network: "rkt", node: "n1", container: "rkt1", ifname: "eth0", ip: "192.168.0.0" }, agentToken("n1"));
    expect([first.status, first.body.ip, first.body.subnet]).toEqual([200, "192.168.0.0", "192.168.0.0/24"]);
    const second = await post("/v1/ipam/allocate", { network: "rkt", node: "n2", container: "rkt2", ifname: "eth0", ip: "192.168.0.0" }, agentToken("n2"));
    expect(second.status).toBe(409);
    expect(second.body.error).toContain("rkt1");
    const outside = await post("/v1/ipam/allocate", { network: "rkt", node: "n2", container: "rkt3", ifname: "eth0", ip: "10.1.1.1" }, agentToken("n2"));
    expect([outside.status, outside.body.error]).toEqual([400, expect.stringContaining("192.168.0.0/24")]);
  });

  it("release gives one attachment's address back (twice is fine); GC every one of a node's but the valid", async () => {
    const a = await allocate("n1", "rel-a");
    const b = await allocate("n1", "rel-b");
    const r1 = await post("/v1/ipam/release", { network: "big", node: "n1", container: "rel-a", ifname: "eth0" }, agentToken("n1"));
    const r2 = await post("/v1/ipam/release", { network: "big", node: "n1", container: "rel-a", ifname: "eth0" }, agentToken("n1"));
    expect([r1.body.released, r2.body.released]).toEqual([[a.body.ip], []]);
    const valid = Array.from({ length: 60 }, (_, i) => ({ container: `c${i}`, ifname: "eth0" }));
    const gc = await post("/v1/ipam/gc", { network: "big", node: "n1", valid }, agentToken("n1"));
    expect(gc.body.released).toEqual([b.body.ip]);
    // The freed address is the next one handed out on that node.
    expect((await allocate("n1", "after")).body.ip).toBe(a.body.ip < b.body.ip ? a.body.ip : b.body.ip);
  });

  it("a network that does not exist: 404 naming it", async () => {
    const r = await post("/v1/ipam/allocate", { network: "nope", node: "n1", container: "x", ifname: "eth0" });
    expect([r.status, r.body.error]).toEqual([404, expect.stringContaining('"nope"')]);
  });

  it("a node's own workloads: an agent token puts and deletes those of its node, never another node's", async () => {
    const w = (name: string, node: string) => JSON.stringify({ apiVersion: "moat.dev/v1", kind: "Workload", metadata: { name }, spec: { node, network: "big", ips: ["10.70.3.200"] } });
    const put = (node: string, name: string, body: string, token: string) => http(server.url, `/v1/nodes/${node}/workloads/${name}`, { method: "PUT", token, body });
    expect((await put("n1", "mine", w("mine", "n1"), agentToken("n1"))).status).toBe(200);
    // Another node's URL, a body naming another node, and a workload already on another node: refused.
    expect((await put("n2", "theirs", w("theirs", "n2"), agentToken("n1"))).status).toBe(403);
    expect((await put("n1", "moved", w("moved", "n2"), agentToken("n1"))).body.error).toContain("spec.node");
    expect((await put("n2", "mine", w("mine", "n2"), agentToken("n2"))).status).toBe(403);
    expect((await http(server.url, "/v1/nodes/n2/workloads/mine", { method: "DELETE", token: agentToken("n2") })).status).toBe(403);
    expect((await http(server.url, "/v1/workloads/mine", { token: ADMIN_TOKEN })).body.spec.node).toBe("n1");
    const gone = await http(server.url, "/v1/nodes/n1/workloads/mine", { method: "DELETE", token: agentToken("n1") });
    expect([gone.status, gone.body.deleted]).toEqual([200, ["Workload/mine"]]);
  });
});
