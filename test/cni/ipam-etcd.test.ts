// Two moat servers on one etcd, as replicas run: nodes allocating through different servers at once never
// get one address (each block is claimed by one compare-and-create, each allocation compares the version
// of its block), and of two asking for the same fixed address at once exactly one gets it.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEtcd, type EtcdCluster } from "../support/etcd.js";
import { http, removeDir, startServer, type ServerProcess } from "../support/server-process.js";
import { ADMIN_TOKEN, agentToken, tokensYaml } from "./fixture.js";

let etcd: EtcdCluster;
let servers: ServerProcess[] = [];
let dir: string;

const allocate = (server: ServerProcess, node: string, container: string, ip?: string) =>
  http(server.url, "/v1/ipam/allocate", { token: agentToken(node), body: JSON.stringify({ network: "small", node, container, ifname: "eth0", ...(ip ? { ip } : {}) }) });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "moat-ipam-etcd-"));
  writeFileSync(join(dir, "tokens.yaml"), tokensYaml(["n1", "n2"]));
  etcd = await startEtcd(1);
  const args = ["--store", "etcd", "--etcd-endpoints", etcd.endpoints.join(","), "--etcd-prefix", "/moat-ipam-test/", "--tokens", join(dir, "tokens.yaml")];
  servers = [await startServer(args), await startServer(args)];
  // Two /26 blocks: the nodes claim one each, then borrow from each other, all at once.
  const net = "apiVersion: moat.dev/v1\nkind: Network\nmetadata: {name: small}\nspec: {subnets: [10.71.0.0/25]}\n";
  expect((await http(servers[0]!.url, "/v1/apply", { token: ADMIN_TOKEN, body: net, type: "application/yaml" })).status).toBe(200);
}, 60_000);

afterAll(async () => {
  for (const s of servers) {
    await s.kill();
    removeDir(s.dataDir);
  }
  await etcd?.stop();
  removeDir(dir);
});

describe("IPAM on etcd through two servers", () => {
  it("100 allocations at once from two nodes through two servers: all distinct, none lost", async () => {
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => allocate(servers[i % 2]!, i % 2 ? "n2" : "n1", `e${i}`)));
    expect(answers.filter((a) => a.status !== 200).map((a) => a.text)).toEqual([]);
    const ips = answers.map((a) => a.body.ip as string);
    expect(new Set(ips).size).toBe(100);
    const blocks = (await http(servers[1]!.url, "/v1/ipam/blocks", { token: ADMIN_TOKEN })).body.items as { allocations: Record<string, unknown> }[];
    expect(blocks.flatMap((b) => Object.keys(b.allocations)).sort()).toEqual([...ips].sort());
  });

  it("one fixed address asked through both servers at once: exactly one gets it", async () => {
    const [a, b] = await Promise.all([allocate(servers[0]!, "n1", "f1", "10.71.0.127"), allocate(servers[1]!, "n2", "f2", "10.71.0.127")]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
  });
});
