import type { Model } from "../model/index.js";
import { assembleModel, parseSources, type ParsedSources } from "../service/index.js";
import { UsageError } from "./errors.js";
import type { Io } from "./io.js";

/** Reads every -f file ("-" is stdin): their documents, and the issues of those that did not parse. */
export async function readDocuments(io: Io, files: string[]): Promise<ParsedSources> {
  if (!files.length) throw new UsageError("no input: give at least one -f FILE (or -f - for stdin)");
  const texts: { name: string; text: string }[] = [];
  const unreadable: ParsedSources["issues"] = [];
  for (const file of files) {
    try {
      texts.push({ name: file === "-" ? "<stdin>" : file, text: file === "-" ? await io.readStdin() : await io.readFile(file) });
    } catch (e) {
      unreadable.push({ code: "unreadable", path: [], file, message: `cannot read: ${(e as Error).message}` });
    }
  }
  const parsed = parseSources(texts);
  return { docs: parsed.docs, issues: [...unreadable, ...parsed.issues] };
}

/** The validated model of the files, or an InvalidInput carrying every issue of every file. */
export async function readModel(io: Io, files: string[]): Promise<Model> {
  return assembleModel(await readDocuments(io, files));
}
