import type { Command } from "commander";
import type { Io } from "./io.js";
import { BadRequest } from "../errors/index.js";
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

/** -f for verbs that also work against a server, where the files are not needed. */
export const withOptionalFiles = (cmd: Command) =>
  cmd.option("-f, --filename <file>", "manifest file (YAML or JSON); repeat for more; - for stdin; not needed with --server", collect, []);

export function requireFiles(files: string[]): string[] {
  if (!files.length) throw new BadRequest("no input: give at least one -f FILE (or -f - for stdin), or --server URL");
  return files;
}
