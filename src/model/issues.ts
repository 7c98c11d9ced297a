// Validation problems are data: gathered whole, formatted only at the edges (CLI, server).

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
  return where.length ? `${where.join(": ")}: ${issue.message}` : issue.message;
}

/** JSON.stringify for quoting a user value inside a message, so control characters stay visible. */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === undefined) return "undefined";
  return JSON.stringify(value) ?? String(value);
}
