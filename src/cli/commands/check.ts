import type { Model, Protocol } from "../../model/index.js";
import { decide, type Verdict } from "../../policy/index.js";
import { withFiles, type RegisterCommand } from "../context.js";
import { flowAddresses, resolveEndpoint } from "../endpoints.js";
import { EXIT, UsageError } from "../errors.js";
import { parseOutput, parsePort, parseProtocol } from "../options.js";
import { readModel } from "../read-model.js";

export interface CheckRequest {
  from: string;
  to: string;
  protocol: Protocol;
  port?: number;
}

export function runCheck(model: Model, req: CheckRequest): Verdict & { src: string; dst: string } {
  if (req.protocol !== "ICMP" && req.port === undefined) throw new UsageError(`--port is required for ${req.protocol}`);
  if (req.protocol === "ICMP" && req.port !== undefined) throw new UsageError("--port does not apply to ICMP");
  const [src, dst] = flowAddresses(resolveEndpoint(model, req.from, "--from"), resolveEndpoint(model, req.to, "--to"));
  const flow = { src, dst, protocol: req.protocol, ...(req.port !== undefined ? { port: req.port } : {}) };
  return { ...decide(model, flow), src: src.text, dst: dst.text };
}

export const registerCheck: RegisterCommand = (program, { io, setExit }) => {
  withFiles(program.command("check").description("is a new connection from one workload or address to another allowed, and why"))
    .requiredOption("--from <name|ip>", "source workload (name or namespace/name) or IP address")
    .requiredOption("--to <name|ip>", "destination workload or IP address")
    .option("--port <n>", "destination port")
    .option("--protocol <p>", "TCP, UDP, SCTP or ICMP", "TCP")
    .option("-o, --output <format>", "text or json", "text")
    .action(async (opts: { filename: string[]; from: string; to: string; port?: string; protocol: string; output: string }) => {
      const output = parseOutput(opts.output, ["text", "json"] as const);
      const protocol = parseProtocol(opts.protocol);
      const port = opts.port === undefined ? undefined : parsePort(opts.port);
      const model = await readModel(io, opts.filename);
      const v = runCheck(model, { from: opts.from, to: opts.to, protocol, ...(port !== undefined ? { port } : {}) });
      if (output === "json") {
        const { src, dst, allowed, reason, stages, logged } = v;
        io.out(JSON.stringify({ from: opts.from, to: opts.to, src, dst, port: port ?? null, protocol, allowed, reason, stages, logged }, null, 2));
      } else {
        io.out(v.reason);
      }
      setExit(v.allowed ? EXIT.ok : EXIT.denied);
    });
};
