// Where in a request body each issue is: the line of the node its path names, so that whoever sent the
// body (the web view's editor, a script) can mark it. The issues themselves come from the same validation
// as the CLI's; this only reads the body again, with positions, when a write was refused. YAML reads JSON
// too, so one parser serves both. A document that holds several resources (a JSON array, a kind: List)
// is not located: its resources share one document number, so a path alone does not say which.
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Node } from "yaml";
import type { Issue } from "../model/index.js";

export type LocatedIssue = Issue & { line?: number };

export function withLines(issues: Issue[], text: string, file: string): LocatedIssue[] {
  const mine = issues.some((i) => i.file === file && i.document !== undefined);
  if (!mine) return issues;
  const counter = new LineCounter();
  let docs;
  try {
    docs = parseAllDocuments(text, { lineCounter: counter, uniqueKeys: false });
  } catch {
    return issues;
  }
  if (!Array.isArray(docs)) return issues;
  return issues.map((issue) => {
    if (issue.file !== file || issue.document === undefined) return issue;
    const root = docs[issue.document]?.contents as Node | null | undefined;
    if (!isMap(root) || root.items.some((p) => isScalar(p.key) && p.key.value === "kind" && isScalar(p.value) && p.value.value === "List")) return issue;
    const offset = offsetOf(root, issue.path);
    return offset === undefined ? issue : { ...issue, line: counter.linePos(offset).line };
  });
}

/** The start of the deepest node on the path that exists: a map key where the path names one. */
function offsetOf(root: Node, path: Issue["path"]): number | undefined {
  let node: unknown = root;
  let at = root.range?.[0];
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(part));
      if (!pair) break;
      at = (pair.key as Node).range?.[0] ?? at;
      node = pair.value;
    } else if (isSeq(node) && typeof part === "number" && node.items[part]) {
      node = node.items[part];
      at = (node as Node).range?.[0] ?? at;
    } else break;
  }
  return at;
}
