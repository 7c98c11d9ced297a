// Write latency through the API, SQLite and etcd side by side: 300 small writes (HTTP 200 returned)
// against a real `moat server` on each store; etcd with one member and with three.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEtcd } from "../test/support/etcd.js";
import { http, removeDir, startServer, type ServerProcess } from "../test/support/server-process.js";

const WRITES = 300;
const TOKEN = "bench-admin-token-0123456789";

async function latencies(server: ServerProcess): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < WRITES; i++) {
    const started = performance.now();
    const r = await http(server.url, "/v1/apply", { token: TOKEN, body: `apiVersion: moat.dev/v1\nkind: Namespace\nmetadata: {name: bench, labels: {seq: "${i}"}}\n`, type: "application/yaml" });
    if (r.status !== 200) throw new Error(`write ${i}: HTTP ${r.status} ${r.text}`);
    out.push(performance.now() - started);
  }
  return out.sort((a, b) => a - b);
}

const line = (name: string, ms: number[]) => `  ${name.padEnd(18)} p50 ${ms[Math.floor(ms.length * 0.5)]!.toFixed(1).padStart(6)} ms   p99 ${ms[Math.floor(ms.length * 0.99)]!.toFixed(1).padStart(6)} ms   max ${ms.at(-1)!.toFixed(1).padStart(6)} ms`;

export async function benchStoreWrites(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "moat-bench-store-"));
  const tokens = join(dir, "tokens.yaml");
  writeFileSync(tokens, `- {name: bench, role: admin, token: ${TOKEN}}\n`);
  console.log(`store write latency, ${WRITES} writes through POST /v1/apply:`);
  const run = async (name: string, args: string[]) => {
    const server = await startServer(["--tokens", tokens, ...args]);
    try {
      console.log(line(name, await latencies(server)));
    } finally {
      await server.stop();
      removeDir(server.dataDir);
    }
  };
  try {
    await run("sqlite", []);
    for (const size of [1, 3]) {
      const etcd = await startEtcd(size);
      try {
        await run(`etcd, ${size} member${size > 1 ? "s" : ""}`, ["--store", "etcd", "--etcd-endpoints", etcd.endpoints.join(",")]);
      } finally {
        await etcd.stop();
      }
    }
  } finally {
    removeDir(dir);
  }
}
