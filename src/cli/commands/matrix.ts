import type { PortProbe, Probe } from "../../policy/index.js";
import { matrixAnswer } from "../../service/index.js";
import { api } from "../../client/index.js";
import { requireFiles, withOptionalFiles, type RegisterCommand } from "../context.js";
import { clientOf, withServer, type ServerFlags } from "../online.js";
import { collect, parseOutput, parsePortProbe } from "../options.js";
import { readModel } from "../read-model.js";
import { matrixTable } from "./matrix-table.js";

export const registerMatrix: RegisterCommand = (program, { io }) => {
  withServer(withOptionalFiles(program.command("matrix").description("the verdict for every ordered pair of workloads on every port")))
    .option("--port <n/proto>", "port to probe, e.g. 80, 53/udp, icmp; repeat for more (default: the ports workloads declare)", collect, [])
    .option("-o, --output <format>", "table or json", "table")
    .action(async (opts: ServerFlags & { filename: string[]; port: string[]; output: string }) => {
      const output = parseOutput(opts.output, ["table", "json"] as const);
      const asked: PortProbe[] = opts.port.map(parsePortProbe);
      const client = clientOf(opts);
      const answer = client ? ((await api.matrix(client, asked)) as { probes: Probe[] }) : matrixAnswer(await readModel(io, requireFiles(opts.filename)), asked);
      io.out(output === "json" ? JSON.stringify(answer) : matrixTable(answer.probes));
    });
};
