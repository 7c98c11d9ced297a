// Bad overlay input is refused with the flag or field and the value, and changes nothing: the agent's
// --overlay / --underlay-* flags, and a node report whose underlay is no IPv4 address.
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http, MOAT, removeDir, ROOT, startServer, type ServerProcess } from "../support/server-process.js";

const agent = (args: string[]) => {
  const r = spawnSync(process.execPath, [MOAT, "agent", "--node", "n1", "--server", "http://127.0.0.1:9", "--token", "x", "--state-dir", "/nonexistent/moat-flags", ...args], { cwd: ROOT, encoding: "utf8", timeout: 20_000 });
  return { code: r.status, err: r.stderr };
};

describe("agent overlay flags", () => {
  it.each([
    [["--overlay", "gre"], /--overlay "gre" is not one of routed, vxlan/],
    [["--overlay", "vxlan"], /--overlay vxlan needs --underlay-address IP or --underlay-interface NAME/],
    [["--overlay", "vxlan", "--underlay-address", "fd00::1"], /--underlay-address "fd00::1" is not an IPv4 address/],
    [["--overlay", "vxlan", "--underlay-interface", "no-such-if0"], /--underlay-interface "no-such-if0": no such interface/],
    [["--underlay-address", "10.0.0.1"], /need --overlay vxlan/],
  ])("%j is a usage error", (args, message) => {
    const r = agent(args as string[]);
    expect(r.err).toMatch(message);
    expect(r.code).toBe(2);
  });
});

describe("node reports", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer();
  }, 30_000);
  afterAll(async () => {
    await server.stop();
    removeDir(server.dataDir);
  });

  it("store a valid underlay and refuse one that is no IPv4 address, naming the field", async () => {
    const put = (underlay: string) => http(server.url, "/v1/nodes/n1/status", { method: "PUT", token: server.adminToken, type: "application/json", body: JSON.stringify({ revision: 0, planHash: "", underlay }) });
    const bad = await put("10.0.0.300");
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/underlay/);
    expect((await put("10.0.0.3")).status).toBe(200);
    const nodes = await http(server.url, "/v1/nodes", { token: server.adminToken });
    expect(nodes.body.items.find((n: { node: string }) => n.node === "n1").underlay).toBe("10.0.0.3");
  });
});
