// Reading big inputs (issue 7): `moat validate` of a 10 MB manifest, YAML and JSON, end to end through
// the CLI's main() in a child process, so that time and peak memory (max RSS) are the command's own.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const BUDGET_S = 3;
const BUDGET_MB = 300;
const root = fileURLToPath(new URL("..", import.meta.url));

/** Networks, workloads with labels and ports, and policies: about 10 MB of YAML for 36,000 workloads. */
export function bigDocuments(workloads = 40_000, policies = 300): unknown[] {
  const docs: unknown[] = [];
  for (let n = 0; n < 20; n++) docs.push({ apiVersion: "moat.dev/v1", kind: "Network", metadata: { name: `net-${n}` }, spec: { subnets: [`10.${n}.0.0/16`], isolation: "network" } });
  for (let i = 0; i < workloads; i++) {
    const n = i % 20;
    const labels = { app: `app-${i % 50}`, tier: ["web", "api", "db"][i % 3]!, team: `team-${i % 7}` };
    const spec = { node: `node-${i % 30}`, network: `net-${n}`, ips: [`10.${n}.${(i >> 8) & 255}.${i & 255}`], ports: [{ name: "http", port: 80 }] };
    docs.push({ apiVersion: "moat.dev/v1", kind: "Workload", metadata: { name: `w-${i}`, labels }, spec });
  }
  for (let p = 0; p < policies; p++) {
    const ingress = [{ action: "Allow", protocol: "TCP", ports: [80, "http"], from: { selector: `tier in {"web", "api"}` } }, { action: "Deny" }];
    docs.push({ apiVersion: "moat.dev/v1", kind: "Policy", metadata: { name: `p-${p}` }, spec: { order: p, selector: `app == "app-${p % 50}"`, ingress } });
  }
  return docs;
}

/** Block-style YAML as people write it, one document per resource. */
export function toYaml(docs: unknown[]): string {
  const lines: string[] = [];
  const emit = (v: unknown, indent: string, out: string[]): void => {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (Array.isArray(x)) {
        out.push(`${indent}${k}:`);
        for (const item of x) {
          if (item && typeof item === "object") {
            const sub: string[] = [];
            emit(item, `${indent}  `, sub);
            out.push(`${indent}- ${sub[0]!.trimStart()}`, ...sub.slice(1));
          } else out.push(`${indent}- ${JSON.stringify(item)}`);
        }
      } else if (x && typeof x === "object") {
        out.push(`${indent}${k}:`);
        emit(x, `${indent}  `, out);
      } else out.push(`${indent}${k}: ${typeof x === "string" ? JSON.stringify(x) : String(x)}`);
    }
  };
  for (const d of docs) {
    lines.push("---");
    emit(d, "", lines);
  }
  return `${lines.join("\n")}\n`;
}

/** In a fresh process: the time main() takes (module loading excluded) and the process's peak RSS. */
function measure(file: string, argv = ["validate", "-f", file]): { seconds: number; mb: number; baseMb: number; code: number; out: string; bytes: number } {
  const script = [
    `const base = process.resourceUsage().maxRSS;`,
    `const { main } = await import("./src/cli/main.ts");`,
    // Output is counted, not kept: what is measured is the command's own memory.
    `let out = ""; let bytes = 0; const io = { out: (t) => void ((bytes += t.length), out.length < 200 && (out += t)), err: (t) => void (out += t), readFile: (await import("./src/cli/io.ts")).processIo.readFile, readStdin: async () => "" };`,
    `const start = process.hrtime.bigint();`,
    `const code = await main(${JSON.stringify(argv)}, io);`,
    `const seconds = Number(process.hrtime.bigint() - start) / 1e9;`,
    `console.log(JSON.stringify({ seconds, mb: process.resourceUsage().maxRSS / 1024, baseMb: base / 1024, code, out: out.trim().slice(0, 200), bytes }));`,
  ].join("\n");
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: root, encoding: "utf8" });
  return JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "{}");
}

export function benchInput(): void {
  const dir = mkdtempSync(join(tmpdir(), "moat-bench-input-"));
  try {
    const docs = bigDocuments();
    const yamlFile = join(dir, "big.yaml");
    const jsonFile = join(dir, "big.json");
    writeFileSync(yamlFile, toYaml(docs));
    writeFileSync(jsonFile, JSON.stringify({ apiVersion: "v1", kind: "List", items: docs }, null, 1));
    const failures: string[] = [];
    for (const file of [yamlFile, jsonFile]) {
      const size = statSync(file).size / 1e6;
      const m = measure(file);
      const name = file.endsWith("json") ? "JSON" : "YAML";
      console.log(`input: validate ${size.toFixed(1)} MB ${name} (${docs.length} documents): ${m.seconds.toFixed(2)} s, peak RSS ${m.mb.toFixed(0)} MB (${m.baseMb.toFixed(0)} MB before reading), exit ${m.code} (${m.out})`);
      if (m.code !== 0) failures.push(`${name}: exit ${m.code}`);
      if (m.seconds > BUDGET_S) failures.push(`${name}: ${m.seconds.toFixed(1)} s > ${BUDGET_S} s`);
      if (m.mb > BUDGET_MB) failures.push(`${name}: ${m.mb.toFixed(0)} MB > ${BUDGET_MB} MB`);
    }
    if (failures.length) throw new Error(`over budget: ${failures.join("; ")}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}


const MATRIX_WORKLOADS = 1200;
const MATRIX_BUDGET_MB = 400;

/** `moat matrix -o json` of 1,200 workloads (1.44 million probes): printed a row at a time, its memory stays flat. */
export function benchMatrixStream(): void {
  const dir = mkdtempSync(join(tmpdir(), "moat-bench-matrix-"));
  try {
    const file = join(dir, "m.json");
    writeFileSync(file, JSON.stringify({ apiVersion: "v1", kind: "List", items: bigDocuments(MATRIX_WORKLOADS, 40) }));
    const m = measure(file, ["matrix", "-f", file, "--port", "80", "-o", "json", "--limit", "2000000"]);
    console.log(`input: matrix -o json of ${MATRIX_WORKLOADS} workloads (${(MATRIX_WORKLOADS ** 2).toLocaleString("en-US")} probes, ${(m.bytes / 1e6).toFixed(0)} MB printed): ${m.seconds.toFixed(1)} s, peak RSS ${m.mb.toFixed(0)} MB, exit ${m.code}`);
    if (m.code !== 0) throw new Error(`matrix exit ${m.code}: ${m.out}`);
    if (m.mb > MATRIX_BUDGET_MB) throw new Error(`matrix: ${m.mb.toFixed(0)} MB > ${MATRIX_BUDGET_MB} MB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
