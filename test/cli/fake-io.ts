// An Io that reads from a map of file texts and a stdin string, and records what the CLI prints.
import { main } from "../../src/cli/main.js";
import { processIo, type Io } from "../../src/cli/io.js";

export interface Run {
  code: number;
  /** Everything printed to stdout, each print ending in exactly one newline. */
  out: string;
  err: string;
  /** stderr split into lines, without the empty tail. */
  errLines: string[];
}

const line = (text: string) => (text.endsWith("\n") ? text : `${text}\n`);

export function run(argv: string[], files: Record<string, string> = {}, stdin = ""): Promise<Run> {
  return runWith(argv, async (path) => {
    if (!Object.hasOwn(files, path)) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
    return files[path]!;
  }, stdin);
}

/** The same, reading real files as moat does (strict UTF-8), for commands that also write them, like `moat policy`. */
export const runOnDisk = (argv: string[], stdin = ""): Promise<Run> => runWith(argv, processIo.readFile, stdin);

async function runWith(argv: string[], readFile: Io["readFile"], stdin: string): Promise<Run> {
  let out = "";
  let err = "";
  const io: Io = { out: (text) => void (out += line(text)), err: (text) => void (err += line(text)), readFile, readStdin: async () => stdin };
  const code = await main(argv, io);
  return { code, out, err, errLines: err.split("\n").filter((l, i, all) => !(l === "" && i === all.length - 1)) };
}
