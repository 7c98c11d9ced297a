import { declaredPorts, matrix, type PortProbe } from "../../policy/index.js";
import { withFiles, type RegisterCommand } from "../context.js";
import { UsageError } from "../errors.js";
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
      const ports = asked.length ? asked : declaredPorts(model);
      if (!ports.length) throw new UsageError("no --port given and no workload declares spec.ports");
      const probes = matrix(model, ports);
      io.out(output === "json" ? JSON.stringify({ probes }) : matrixTable(probes));
    });
};
