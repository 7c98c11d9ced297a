import type { Command } from "commander";
import type { Io } from "./io.js";
import { collect } from "./options.js";

/** What every command gets: the outside world, and a way to set the exit code (e.g. 1 for denied). */
export interface CliContext {
  io: Io;
  setExit(code: number): void;
}

export type RegisterCommand = (program: Command, ctx: CliContext) => void;

/** -f FILE, repeatable, "-" for stdin: the kubectl convention. */
export const withFiles = (cmd: Command) =>
  cmd.requiredOption("-f, --filename <file>", "manifest file (YAML or JSON); repeat for more; - for stdin", collect, []);
