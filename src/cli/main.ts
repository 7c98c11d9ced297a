// moat's command line. Verbs follow kubectl; each works offline on -f files. This file alone maps
// errors to exit codes: 0 ok (or allowed), 1 denied, 2 bad input, 3 failure.
import { Command, CommanderError } from "commander";
import { formatIssue } from "../model/index.js";
import { COMMANDS } from "./commands/index.js";
import { InvalidInput, MoatError } from "../errors/index.js";
import { EXIT, EXIT_FOR } from "./errors.js";
import { processIo, type Io } from "./io.js";

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command("moat")
    .description("Network isolation for containers and VMs: declare networks, workloads and policies; moat compiles, enforces and proves them.")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError();
  for (const register of COMMANDS) register(program, { io, setExit });
  for (const cmd of program.commands) cmd.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
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
    if (e instanceof MoatError) {
      io.err(`error: ${e.message}`);
      return EXIT_FOR[e.kind];
    }
    // A bug: one line, the stack only when asked for (MOAT_DEBUG=1).
    io.err(`error: internal error: ${process.env.MOAT_DEBUG ? ((e as Error).stack ?? String(e)) : ((e as Error).message ?? String(e))}`);
    return EXIT.failed;
  }
}
