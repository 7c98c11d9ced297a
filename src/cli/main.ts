// moat's command line. Verbs follow kubectl; each works offline on -f files. This file alone maps
// errors to exit codes: 0 ok (or allowed), 1 denied, 2 bad input, 3 failure.
import { Command, CommanderError } from "commander";
import { formatIssue } from "../model/index.js";
import { declaredPorts, matrix, type PortProbe } from "../policy/index.js";
import { runCheck } from "./commands/check.js";
import { matrixTable } from "./commands/matrix-table.js";
import { validateSummary } from "./commands/validate.js";
import { EXIT, InvalidInput, UsageError } from "./errors.js";
import { processIo, type Io } from "./io.js";
import { collect, parseOutput, parsePort, parsePortProbe, parseProtocol } from "./options.js";
import { readModel } from "./read-model.js";

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command("moat")
    .description("Network isolation for containers and VMs: declare networks, workloads and policies; moat compiles, enforces and proves them.")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError();

  const files = (cmd: Command) => cmd.requiredOption("-f, --filename <file>", "manifest file (YAML or JSON); repeat for more; - for stdin", collect, []);

  files(program.command("validate").description("check manifests; print a summary, or every issue one a line")).action(async (opts: { filename: string[] }) => {
    const model = await readModel(io, opts.filename);
    io.out(validateSummary(model, opts.filename));
  });

  files(program.command("check").description("is a new connection from one workload or address to another allowed, and why"))
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
        io.out(JSON.stringify({ from: opts.from, to: opts.to, src: v.src, dst: v.dst, port: port ?? null, protocol, allowed: v.allowed, reason: v.reason, stages: v.stages, logged: v.logged }, null, 2));
      } else {
        io.out(v.reason);
      }
      setExit(v.allowed ? EXIT.ok : EXIT.denied);
    });

  files(program.command("matrix").description("the verdict for every ordered pair of workloads on every port"))
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

  return program;
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    if (e instanceof InvalidInput) {
      for (const issue of e.issues) io.err(formatIssue(issue));
      io.err(`${e.issues.length} issue${e.issues.length === 1 ? "" : "s"} found`);
      return EXIT.badInput;
    }
    if (e instanceof UsageError) {
      io.err(`error: ${e.message}`);
      return EXIT.badInput;
    }
    io.err(`error: ${(e as Error).stack ?? String(e)}`);
    return EXIT.failed;
  }
}
