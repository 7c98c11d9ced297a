import { matrixRows, type PortProbe, type Probe } from "../../policy/index.js";
import { matrixPorts, requireMatrixSize, MATRIX_LIMIT } from "../../service/index.js";
import { api } from "../../client/index.js";
import { requireFiles, withOptionalFiles, type RegisterCommand } from "../context.js";
import type { Io } from "../io.js";
import { clientOf, withServer, type ServerFlags } from "../online.js";
import { collect, parseCount, parseOutput, parsePortProbe } from "../options.js";
import { readModel } from "../read-model.js";
import { matrixTable, matrixTableLines } from "./matrix-table.js";
import { groupsOf, matrixDot, matrixHtml } from "./matrix-pictures.js";
import { UsageError } from "../errors.js";

export const registerMatrix: RegisterCommand = (program, { io }) => {
  withServer(withOptionalFiles(program.command("matrix").description("the verdict for every ordered pair of workloads on every port")))
    .option("--port <n/proto>", "port to probe, e.g. 80, 53/udp, icmp; repeat for more (default: the ports workloads declare)", collect, [])
    .option("-o, --output <format>", "table, json, dot (Graphviz: groups and the ports between them) or html (one self-contained page)", "table")
    .option("--limit <probes>", `the most probes (workloads x workloads x ports) to compute and print`, String(MATRIX_LIMIT))
    .action(async (opts: ServerFlags & { filename: string[]; port: string[]; output: string; limit: string }) => {
      const output = parseOutput(opts.output, ["table", "json", "dot", "html"] as const);
      const asked: PortProbe[] = opts.port.map(parsePortProbe);
      const limit = parseCount(opts.limit, "--limit");
      const client = clientOf(opts);
      if (client) {
        if (output === "dot" || output === "html") throw new UsageError(`-o ${output} works on files: give -f FILE`);
        const answer = (await api.matrix(client, asked)) as { probes: Probe[] };
        return io.out(output === "json" ? JSON.stringify(answer) : matrixTable(answer.probes));
      }
      const model = await readModel(io, requireFiles(opts.filename));
      const ports = matrixPorts(model, asked);
      requireMatrixSize(model, ports, limit);
      const rows = matrixRows(model, ports);
      if (output === "table") return print(io, matrixTableLines(rows, model.workloads.map((w) => w.id)), "\n");
      if (output === "dot") return io.out(matrixDot(rows, groupsOf(model)));
      if (output === "html") return io.out(matrixHtml(rows, model.workloads.map((w) => w.id)));
      await print(io, jsonParts(rows), "");
    });
};

/** {"probes": [...]}, a row of the matrix at a time; one line unless it is long (then a break between probes every chunk). */
function* jsonParts(rows: Iterable<Probe[]>): Generator<string> {
  yield '{"probes":[';
  let first = true;
  for (const row of rows) {
    for (const p of row) {
      yield `${first ? "" : ","}${JSON.stringify(p)}`;
      first = false;
    }
  }
  yield "]}";
}

/** Prints parts in chunks, waiting for the output to drain, so that memory stays one chunk. */
async function print(io: Io, parts: Iterable<string>, separator: string): Promise<void> {
  let chunk: string[] = [];
  let size = 0;
  for (const part of parts) {
    chunk.push(part);
    size += part.length;
    if (size < 1 << 16) continue;
    io.out(chunk.join(separator));
    (chunk = []), (size = 0);
    await io.drain?.();
  }
  if (chunk.length) io.out(chunk.join(separator));
}
