// Validation problems are data: gathered whole, formatted only at the edges (CLI, server).
import { visible } from "./visible.js";

export type IssuePath = ReadonlyArray<string | number>;

export interface Issue {
  code: string;
  path: IssuePath;
  message: string;
  /** Where the document came from: a file name, "-" for stdin, or an API body. */
  file?: string;
  /** Zero-based index of the document within its file. */
  document?: number;
  /** "Kind/name" of the resource, when known. */
  resource?: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; issues: Issue[] };

export function formatPath(path: IssuePath): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return out;
}

export function formatIssue(issue: Issue): string {
  const where: string[] = [];
  if (issue.file !== undefined) {
    where.push(issue.document !== undefined ? `${issue.file}#${issue.document + 1}` : issue.file);
  }
  if (issue.resource) where.push(issue.resource);
  const path = formatPath(issue.path);
  if (path) where.push(path);
  // Names and paths come from input: a resource named with terminal escapes must not print them.
  return visible(where.length ? `${where.join(": ")}: ${issue.message}` : issue.message);
}

const SHOWN = 200;

/**
 * A user value quoted inside a message: JSON, with every control character visible (JSON.stringify
 * leaves C1 and bidi controls raw), cut to a few hundred characters, and never throwing (a value
 * nested too deep for JSON.stringify is named, not printed).
 */
export function show(value: unknown): string {
  if (value === undefined) return "undefined";
  let text: string;
  try {
    text = JSON.stringify(typeof value === "string" && value.length > SHOWN ? value.slice(0, SHOWN) : value) ?? String(value);
  } catch {
    return Array.isArray(value) ? "a list nested too deep to show" : "a value nested too deep to show";
  }
  if (typeof value === "string" && value.length > SHOWN) text = `${text.slice(0, -1)}..." (${value.length} characters)`;
  else if (text.length > SHOWN) text = `${text.slice(0, SHOWN)}... (${text.length} characters)`;
  return visible(text);
}
