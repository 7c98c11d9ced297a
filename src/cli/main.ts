// moat's command line. Verbs follow kubectl; each works offline on -f files. This file alone maps
// errors to exit codes: 0 ok (or allowed), 1 denied, 2 bad input, 3 failure. Everything printed goes
// through visible(): no control character from input reaches the terminal raw (issue 7).
import { Command, CommanderError } from "commander";
import { formatIssue, visible, visibleLines } from "../model/index.js";
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

/** The same Io, but what it prints keeps only the newlines and tabs moat laid out: every other control is shown escaped. */
export function terminalSafe(io: Io): Io {
  const safe: Io = { readFile: io.readFile.bind(io), readStdin: io.readStdin.bind(io), out: (text) => io.out(visibleLines(text)), err: (text) => io.err(visibleLines(text)) };
  if (io.drain) safe.drain = io.drain.bind(io);
  return safe;
}

/** An error as the lines the CLI prints and its exit code: one line per issue, one line for anything else. */
export function errorReport(e: unknown): { lines: string[]; code: number } {
  if (e instanceof CommanderError) return { lines: [], code: e.exitCode === 0 ? EXIT.ok : EXIT.badInput };
  if (e instanceof InvalidInput) {
    const n = e.issues.length;
    return { lines: [...e.issues.map(formatIssue), `${n} issue${n === 1 ? "" : "s"} found`], code: EXIT.badInput };
  }
  if (e instanceof MoatError) return { lines: [`error: ${visible(e.message)}`], code: EXIT_FOR[e.kind] };
  // A bug, or the runtime giving up (out of memory, stack): one line, the stack only when asked for (MOAT_DEBUG=1).
  const err = e as Error | undefined;
  const detail = process.env.MOAT_DEBUG ? (err?.stack ?? String(e)) : visible(err?.message ?? String(e));
  return { lines: [`error: internal error: ${detail}`], code: EXIT.failed };
}

export async function main(argv: string[], rawIo: Io = processIo): Promise<number> {
  let code: number = EXIT.ok;
  const io = terminalSafe(rawIo);
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (e) {
    const report = errorReport(e);
    for (const line of report.lines) io.err(line);
    return report.code;
  }
}
