import { formatIssue, type Issue, type Model } from "../model/index.js";
import { assemble, parseSources, type ParsedSources } from "../service/index.js";
import { UsageError } from "./errors.js";
import { NotText, type Io } from "./io.js";

/** The issue for a file that could not be read, or that is not UTF-8 text. */
export function unreadable(file: string, e: unknown): Issue {
  if (e instanceof NotText) return { code: "encoding", path: [], file, message: e.message };
  return { code: "unreadable", path: [], file, message: `cannot read: ${(e as Error).message}` };
}

/** Reads every -f file ("-" is stdin): their documents, and the issues of those that did not parse. */
export async function readDocuments(io: Io, files: string[]): Promise<ParsedSources> {
  if (!files.length) throw new UsageError("no input: give at least one -f FILE (or -f - for stdin)");
  const texts: { name: string; text: string }[] = [];
  const failed: ParsedSources["issues"] = [];
  for (const file of files) {
    try {
      texts.push({ name: file === "-" ? "<stdin>" : file, text: file === "-" ? await io.readStdin() : await io.readFile(file) });
    } catch (e) {
      failed.push(unreadable(file === "-" ? "<stdin>" : file, e));
    }
  }
  const parsed = parseSources(texts);
  return { docs: parsed.docs, issues: [...failed, ...parsed.issues] };
}

/**
 * Input with no resources at all (empty, only comments, or null) is a mistake, not "no rules": kubectl
 * says "no objects passed to apply", and an apply of nothing would remove every rule (issue 7).
 */
export function requireObjects(parsed: ParsedSources, files: string[]): void {
  if (parsed.docs.length || parsed.issues.length) return;
  const names = files.map((f) => (f === "-" ? "<stdin>" : f)).join(", ");
  throw new UsageError(`no objects passed: ${names} ${files.length === 1 ? "holds" : "hold"} no resources (empty, only comments, or null)`);
}

/** The validated model of the files, or an InvalidInput carrying every issue of every file. */
export async function readModel(io: Io, files: string[], opts: { allowEmpty?: boolean } = {}): Promise<Model> {
  const parsed = await readDocuments(io, files);
  if (!opts.allowEmpty) requireObjects(parsed, files);
  const { model, notes } = assemble(parsed);
  for (const note of notes) io.err(`info: ${formatIssue(note)}`);
  return model;
}
