// Text to documents: YAML (several documents to a file) or JSON (one object, an array, or a kind: List).
import { parseAllDocuments } from "yaml";
import type { Issue } from "./issues.js";

export interface SourcedDoc {
  file: string;
  /** Zero-based position of the document in its file. */
  index: number;
  doc: unknown;
}

export function parseDocuments(text: string, file: string): { docs: SourcedDoc[]; issues: Issue[] } {
  const docs: SourcedDoc[] = [];
  const issues: Issue[] = [];
  let index = 0;
  for (const parsed of parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true })) {
    const here = index++;
    if (parsed.errors.length) {
      for (const e of parsed.errors) {
        issues.push({ code: "syntax", path: [], file, document: here, message: `not valid YAML or JSON: ${e.message.split("\n")[0]}` });
      }
      continue;
    }
    const value: unknown = parsed.toJS();
    if (value === null || value === undefined) continue;
    for (const doc of flatten(value)) docs.push({ file, index: here, doc });
  }
  return { docs, issues };
}

/** A JSON array of documents, or a kubectl-style `kind: List`, holds several documents in one. */
function flatten(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(flatten);
  if (value && typeof value === "object" && (value as { kind?: unknown }).kind === "List" && Array.isArray((value as { items?: unknown }).items)) {
    return (value as { items: unknown[] }).items.flatMap(flatten);
  }
  return [value];
}
