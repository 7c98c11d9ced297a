// HTTPS with a certificate made for the test, mutual TLS, and the refusal to serve in the clear beyond loopback.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MOAT, removeDir, ROOT, startServer } from "../support/server-process.js";

let dir: string;
const f = (name: string) => join(dir, name);
const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "moat-tls-"));
  // A CA, a server certificate for 127.0.0.1 and a client certificate, both signed by it.
  openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=moat test CA");
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
  execFileSync("sh", ["-c", "printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext"], { cwd: dir });
  openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext");
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=agent-1");
  openssl("x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "client.pem", "-days", "2");
});
afterAll(() => removeDir(dir));

const moat = (args: string[], env: Record<string, string> = {}) => {
  const r = spawnSync(process.execPath, [MOAT, ...args], { cwd: ROOT, encoding: "utf8", timeout: 20_000, env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe("TLS", () => {
  it("serves HTTPS, and the CLI trusts it through --ca-file", async () => {
    const s = await startServer(["--tls-cert", f("server.pem"), "--tls-key", f("server.key")]);
    try {
      expect(s.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const ok = moat(["get", "networks", "--server", s.url, "--token", s.adminToken, "--ca-file", f("ca.pem")]);
      expect(ok).toMatchObject({ code: 0, err: "no networks found\n" });
      const untrusted = moat(["get", "networks", "--server", s.url, "--token", s.adminToken]);
      expect(untrusted.code).toBe(3);
      expect(untrusted.err).toMatch(/^error: cannot reach the moat server \(https:\/\/127\.0\.0\.1:\d+: [A-Z_]+\)\n$/);
    } finally {
      await s.stop();
      removeDir(s.dataDir);
    }
  });

  it("with --client-ca, refuses clients without a certificate signed by it", async () => {
    const s = await startServer(["--tls-cert", f("server.pem"), "--tls-key", f("server.key"), "--client-ca", f("ca.pem")]);
    try {
      const base = ["get", "networks", "--server", s.url, "--token", s.adminToken, "--ca-file", f("ca.pem")];
      expect(moat(base).code).toBe(3);
      expect(moat([...base, "--cert-file", f("client.pem"), "--key-file", f("client.key")])).toMatchObject({ code: 0 });
    } finally {
      await s.stop();
      removeDir(s.dataDir);
    }
  });

  it("refuses to listen beyond loopback in the clear without --insecure, and half a TLS pair", () => {
    const d = mkdtempSync(join(tmpdir(), "moat-tls-refuse-"));
    try {
      const clear = moat(["server", "--listen", "0.0.0.0:0", "--data", d]);
      expect(clear.code).toBe(2);
      expect(clear.err).toBe("error: --listen 0.0.0.0:0 is beyond loopback: give --tls-cert and --tls-key, or --insecure to serve tokens in the clear\n");
      const half = moat(["server", "--listen", "127.0.0.1:0", "--data", d, "--tls-cert", f("server.pem")]);
      expect(half).toMatchObject({ code: 2, err: "error: --tls-cert and --tls-key go together\n" });
      expect(moat(["server", "--listen", "nowhere", "--data", d])).toMatchObject({ code: 2 });
    } finally {
      removeDir(d);
    }
  });
});
