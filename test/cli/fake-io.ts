// An Io that reads from a map of file texts and a stdin string, and records what the CLI prints.
import { main } from "../../src/cli/main.js";
import type { Io } from "../../src/cli/io.js";

export interface Run {
  code: number;
  /** Everything printed to stdout, each print ending in exactly one newline. */
  out: string;
  err: string;
  /** stderr split into lines, without the empty tail. */
  errLines: string[];
}

const line = (text: string) => (text.endsWith("\n") ? text : `${text}\n`);

export async function run(argv: string[], files: Record<string, string> = {}, stdin = ""): Promise<Run> {
  let out = "";
  let err = "";
  const io: Io = {
    out: (text) => void (out += line(text)),
    err: (text) => void (err += line(text)),
    readFile: async (path) => {
      if (!Object.hasOwn(files, path)) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
      return files[path]!;
    },
    readStdin: async () => stdin,
  };
  const code = await main(argv, io);
  return { code, out, err, errLines: err.split("\n").filter((l, i, all) => !(l === "" && i === all.length - 1)) };
}
