// A real dockerd (with the containerd it starts itself) confined to one lab node's network namespace, as
// /work/shared/recipes/dockerd-in-netns.md proves it: under `unshare -m --propagation private`, with
// private tmpfs mounts over /run and /etc/docker, cgroups mounted again (ip netns exec remounts /sys), its
// data, exec root and socket in the test's temp dir. Never in the host's namespace.
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { pidFromFile, sleep, spawnInNetns, stopPid } from "./foreign-daemon.js";

export interface Dockerd {
  dir: string;
  /** ms from the spawn to GET /_ping answering OK. */
  readyMs: number;
  logs(): string;
  stop(): Promise<string>;
}

const startScript = (dir: string) => `#!/bin/bash
set -euo pipefail
D=${dir}
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /etc/docker
mount -t tmpfs cgroup_root /sys/fs/cgroup
for c in cpu cpuacct cpuset memory devices freezer blkio pids; do mkdir -p /sys/fs/cgroup/$c; mount -t cgroup -o $c cgroup /sys/fs/cgroup/$c; done
mkdir -p /sys/fs/cgroup/systemd; mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd
ip link set lo up
exec dockerd --data-root $D/data --exec-root $D/exec -H unix://$D/docker.sock --pidfile $D/docker.pid --config-file $D/daemon.json "$@"
`;

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: "/_ping", timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => (req.destroy(), resolve(false)));
    req.end();
  });
}

/** Starts dockerd (no default bridge) and waits for its API; `onSpawn` gets its stop function as soon as it exists. */
export async function startDockerd(netns: string, dir: string, onSpawn?: (stop: () => Promise<string>) => void, args: string[] = ["--bridge=none"]): Promise<Dockerd> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "daemon.json"), JSON.stringify({ "storage-driver": "overlay2", "log-driver": "json-file" }));
  const script = join(dir, "start.sh");
  writeFileSync(script, startScript(dir));
  chmodSync(script, 0o755);
  const started = Date.now();
  const proc = spawnInNetns(netns, script, args);
  const stop = async () => {
    // dockerd stops its containerd on SIGTERM; after a SIGKILL it would be left, so it is stopped by its pid too.
    const containerd = pidFromFile(join(dir, "exec", "containerd", "containerd.pid"));
    const d = await stopPid(proc.child.pid, 15_000);
    const c = await stopPid(containerd, 5000);
    return `dockerd ${d}, containerd ${c}`;
  };
  onSpawn?.(stop);
  let exitCode: number | null | undefined;
  void proc.exited.then((c) => (exitCode = c));
  try {
    for (;;) {
      if (exitCode !== undefined) throw new Error(`dockerd exited ${exitCode} before it answered:\n${proc.output().slice(-4000)}`);
      if (Date.now() - started > 30_000) throw new Error(`dockerd did not answer /_ping within 30 s:\n${proc.output().slice(-4000)}`);
      if (await ping(join(dir, "docker.sock"))) break;
      await sleep(100);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { dir, readyMs: Date.now() - started, logs: () => proc.output().slice(-6000), stop };
}

/** One call of Docker's HTTP API on its unix socket. */
export async function dockerApi(socketPath: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = request({ socketPath, path, method, headers: text ? { "content-type": "application/json", "content-length": Buffer.byteLength(text) } : {}, timeout: 15_000 }, (res) => {
      let out = "";
      res.setEncoding("utf8").on("data", (d: string) => (out += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: out }));
    });
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error(`docker API ${method} ${path} timed out`)));
    req.end(text);
  });
}
