import type { PortProbe } from "../../policy/index.js";
import { matrixAnswer } from "../../service/index.js";
import { withFiles, type RegisterCommand } from "../context.js";
import { collect, parseOutput, parsePortProbe } from "../options.js";
import { readModel } from "../read-model.js";
import { matrixTable } from "./matrix-table.js";

export const registerMatrix: RegisterCommand = (program, { io }) => {
  withFiles(program.command("matrix").description("the verdict for every ordered pair of workloads on every port"))
    .option("--port <n/proto>", "port to probe, e.g. 80, 53/udp, icmp; repeat for more (default: the ports workloads declare)", collect, [])
    .option("-o, --output <format>", "table or json", "table")
    .action(async (opts: { filename: string[]; port: string[]; output: string }) => {
      const output = parseOutput(opts.output, ["table", "json"] as const);
      const asked: PortProbe[] = opts.port.map(parsePortProbe);
      const model = await readModel(io, opts.filename);
      const answer = matrixAnswer(model, asked);
      io.out(output === "json" ? JSON.stringify(answer) : matrixTable(answer.probes));
    });
};
