import { toMoatDocuments } from "../dialects/index.js";
import { buildModel, parseDocuments, type Issue, type Model, type SourcedDoc } from "../model/index.js";
import { InvalidInput, UsageError } from "./errors.js";
import type { Io } from "./io.js";

/** Reads every -f file ("-" is stdin): their documents, and the issues of those that did not parse. */
export async function readDocuments(io: Io, files: string[]): Promise<{ docs: SourcedDoc[]; issues: Issue[] }> {
  if (!files.length) throw new UsageError("no input: give at least one -f FILE (or -f - for stdin)");
  const docs: SourcedDoc[] = [];
  const issues: Issue[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = file === "-" ? await io.readStdin() : await io.readFile(file);
    } catch (e) {
      issues.push({ code: "unreadable", path: [], file, message: `cannot read: ${(e as Error).message}` });
      continue;
    }
    const parsed = parseDocuments(text, file === "-" ? "<stdin>" : file);
    docs.push(...parsed.docs);
    issues.push(...parsed.issues);
  }
  return { docs, issues };
}

/** The validated model of the files, or an InvalidInput carrying every issue of every file. */
export async function readModel(io: Io, files: string[]): Promise<Model> {
  const { docs, issues } = await readDocuments(io, files);
  const moat = toMoatDocuments(docs);
  const result = buildModel(moat.docs);
  const all = [...issues, ...moat.issues, ...(result.ok ? [] : result.issues)];
  if (all.length || !result.ok) throw new InvalidInput(all);
  return result.value;
}
