// Real etcd members (Debian's etcd-server) on loopback ports, data in a temporary folder; every member
// is stopped and the folder removed by stop(), which tests call in afterAll even when they fail.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface EtcdMember {
  name: string;
  clientUrl: string;
  kill(): Promise<void>;
  start(): Promise<void>;
  running(): boolean;
}

export interface EtcdCluster {
  endpoints: string[];
  members: EtcdMember[];
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export function requireEtcd(): void {
  const r = spawnSync("etcd", ["--version"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error("etcd is not installed: apt-get install etcd-server etcd-client (scripts/setup.sh does)");
}

export async function startEtcd(size = 1): Promise<EtcdCluster> {
  requireEtcd();
  const dir = mkdtempSync(join(tmpdir(), "moat-etcd-"));
  const token = `moat-test-${Math.random().toString(36).slice(2, 8)}`;
  const ports = [];
  for (let i = 0; i < size; i++) ports.push({ client: await freePort(), peer: await freePort() });
  const cluster = ports.map((p, i) => `m${i}=http://127.0.0.1:${p.peer}`).join(",");
  const members: EtcdMember[] = ports.map((p, i) => {
    let child: ChildProcess | undefined;
    let exited: Promise<void> = Promise.resolve();
    let started = false;
    const clientUrl = `http://127.0.0.1:${p.client}`;
    const member: EtcdMember = {
      name: `m${i}`,
      clientUrl,
      running: () => !!child && child.exitCode === null && child.signalCode === null,
      start: async () => {
        const args = [
          "--name", `m${i}`, "--data-dir", join(dir, `m${i}`),
          "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl,
          "--listen-peer-urls", `http://127.0.0.1:${p.peer}`, "--initial-advertise-peer-urls", `http://127.0.0.1:${p.peer}`,
          "--initial-cluster", cluster, "--initial-cluster-token", token, "--initial-cluster-state", started ? "existing" : "new",
        ];
        started = true;
        child = spawn("etcd", args, { stdio: ["ignore", "ignore", "ignore"] });
        exited = new Promise((resolve) => child!.once("exit", () => resolve()));
      },
      kill: async () => {
        if (member.running()) child!.kill("SIGKILL");
        await exited;
      },
    };
    return member;
  });
  for (const m of members) await m.start();
  const endpoints = members.map((m) => m.clientUrl);
  const deadline = Date.now() + 20_000;
  while (spawnSync("etcdctl", ["--endpoints", endpoints.join(","), "endpoint", "health"], { env: { ...process.env, ETCDCTL_API: "3" }, timeout: 5000 }).status !== 0) {
    if (Date.now() > deadline) {
      for (const m of members) await m.kill();
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`etcd (${size} members) did not become healthy within 20 s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoints,
    members,
    stop: async () => {
      for (const m of members) await m.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
