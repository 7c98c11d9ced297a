// Text to documents: YAML (several documents to a file) or JSON (one object, an array, or a kind: List).
//
// Fast path first: JSON through JSON.parse (keys given twice found by a scan after it), YAML through
// js-yaml (CORE schema: no timestamps, no merge keys) a batch of documents at a time. Only when that
// fails is the text parsed again by the `yaml` library, which reports every broken document with its
// position and still reads the others. Both bound what a hostile file can cost: MAX_DEPTH levels of
// nesting, no more nodes after expanding aliases than the text could hold without them (a "billion
// laughs" is refused), MAX_ALIASES aliases a document where the `yaml` library reads it, and no
// "__proto__" key, which would vanish silently when copied.
import { CORE_SCHEMA, loadAll, YAMLException, type LoadOptions } from "js-yaml";
import { parseAllDocuments } from "yaml";
import type { Issue } from "./issues.js";

export interface SourcedDoc {
  file: string;
  /** Zero-based position of the document in its file. */
  index: number;
  doc: unknown;
  /** Set when a dialect made this document from another system's object, which keeps its own name rules. */
  origin?: "kubernetes";
}

export const MAX_ALIASES = 100;
export const MAX_DEPTH = 100;

/** js-yaml 4.3 takes maxDepth; its types (4.0.9) do not know it yet. */
const FAST = { schema: CORE_SCHEMA, maxDepth: MAX_DEPTH } as LoadOptions;

type Parsed = { docs: SourcedDoc[]; issues: Issue[] };

export function parseDocuments(text: string, file: string): Parsed {
  const first = /\S/.exec(text)?.[0];
  if (first === "{" || first === "[") {
    let value: unknown;
    let parsed = false;
    try {
      value = JSON.parse(text);
      parsed = true;
    } catch {
      // Not JSON after all (or broken JSON): YAML reads JSON too, and says where it broke.
    }
    if (parsed) {
      // JSON.parse keeps the last of a key given twice; moat refuses it, as it does in YAML.
      const dup = duplicateKey(text);
      if (dup) return { docs: [], issues: [{ code: "syntax", path: [], file, document: 0, message: `not valid YAML or JSON: key ${JSON.stringify(dup.key)} is given twice in one object, at line ${lineOf(text, dup.offset) + 1}` }] };
      return fromValues([value], text, file);
    }
  }
  // A batch of documents at a time, so that the parser's events for one batch are garbage before the next.
  const out: Parsed = { docs: [], issues: [] };
  let index = 0;
  for (const { start, end, count } of batches(documentSpans(text))) {
    const chunk = text.slice(start, end);
    let values: unknown[];
    try {
      values = loadAll(chunk, null, FAST);
    } catch (e) {
      if (!(e instanceof YAMLException)) throw e;
      return slowPath(text, file, e, index, lineOf(text, start));
    }
    for (const value of values) add(out, value, chunk.length, file, index++, chunk);
    index = Math.max(index, index - values.length + count);
  }
  return out;
}

const BATCH = 256 * 1024;

function batches(spans: { start: number; end: number }[]): { start: number; end: number; count: number }[] {
  const out: { start: number; end: number; count: number }[] = [];
  for (const s of spans) {
    const last = out.at(-1);
    if (last && last.end - last.start < BATCH) (last.end = s.end), last.count++;
    else out.push({ ...s, count: 1 });
  }
  return out;
}

function fromValues(values: unknown[], text: string, file: string): Parsed {
  const out: Parsed = { docs: [], issues: [] };
  values.forEach((value, index) => add(out, value, text.length, file, index, text));
  return out;
}

function add(out: Parsed, value: unknown, size: number, file: string, index: number, text: string): void {
  if (value === null || value === undefined) return;
  const problem = sizeProblem(value, { nodes: size + 1000 }, text.includes("__proto__"));
  if (problem) return void out.issues.push({ code: "syntax", path: [], file, document: index, message: `not valid YAML or JSON: ${problem}` });
  for (const doc of flatten(value)) out.docs.push({ file, index, doc });
}

/**
 * Where each document's text lies. A "---" at the start of a line begins a document and cannot be
 * content (YAML 1.2: c-forbidden), so cutting there is exact. What comes before the first one belongs
 * to it when it is only comments, directives and blank lines.
 */
function documentSpans(text: string): { start: number; end: number }[] {
  const starts: number[] = [];
  const re = /^---(?=[ \t\r\n]|$)/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) starts.push(m.index);
  if (!starts.length) return [{ start: 0, end: text.length }];
  const prelude = text.slice(0, starts[0]);
  if (!prelude.split("\n").every((line) => /^[ \t\r]*(?:[#%].*)?$/.test(line))) starts.unshift(0);
  else starts[0] = 0;
  return starts.map((start, i) => ({ start, end: starts[i + 1] ?? text.length }));
}

const lineOf = (text: string, offset: number): number => {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) n++;
  return n;
};

/**
 * Walks a value without recursion, stopping at the first limit it passes. With `protoKeys`, a key
 * "__proto__" is refused too: copied into another object it would set that object's prototype, and
 * the field would vanish without a word.
 */
function sizeProblem(value: unknown, budget: { nodes: number }, protoKeys = false): string | undefined {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (--budget.nodes < 0) return "Excessive alias count indicates a resource exhaustion attack (aliases expand to more nodes than the text holds)";
    if (v === null || typeof v !== "object") continue;
    if (depth > MAX_DEPTH) return `nested deeper than ${MAX_DEPTH} levels`;
    if (protoKeys && Object.hasOwn(v, "__proto__")) return 'the key "__proto__" is not allowed';
    for (const x of Array.isArray(v) ? v : Object.values(v)) if (x !== null && typeof x === "object") stack.push([x, depth + 1]);
    else budget.nodes--;
  }
  return undefined;
}

/** The error path: every broken document with its position, and the documents that did parse. */
function slowPath(text: string, file: string, fast: YAMLException, document = 0, lines = 0): Parsed {
  const fallback: Parsed = { docs: [], issues: [{ code: "syntax", path: [], file, document, message: `not valid YAML or JSON: ${fastMessage(fast, lines)}` }] };
  // Limits are the fast parser's to say: the slow one would spend what they protect.
  if (/maxDepth|maxTotalMergeKeys/.test(fast.reason)) return fallback;
  try {
    const docs: SourcedDoc[] = [];
    const issues: Issue[] = [];
    const budget = { nodes: text.length + 1000 };
    let index = 0;
    for (const parsed of parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true })) {
      const here = index++;
      if (parsed.errors.length) {
        for (const e of parsed.errors) issues.push({ code: "syntax", path: [], file, document: here, message: `not valid YAML or JSON: ${e.message.split("\n")[0]}` });
        continue;
      }
      let value: unknown;
      try {
        value = parsed.toJS({ maxAliasCount: MAX_ALIASES });
      } catch (e) {
        issues.push({ code: "syntax", path: [], file, document: here, message: `not valid YAML or JSON: ${(e as Error).message.split("\n")[0]}` });
        continue;
      }
      if (value === null || value === undefined) continue;
      const problem = sizeProblem(value, budget, text.includes("__proto__"));
      if (problem) issues.push({ code: "syntax", path: [], file, document: here, message: `not valid YAML or JSON: ${problem}` });
      else for (const doc of flatten(value)) docs.push({ file, index: here, doc });
    }
    return issues.length ? { docs, issues } : fallback;
  } catch {
    return fallback;
  }
}

function fastMessage(e: YAMLException, lines: number): string {
  const m = e.mark;
  return m ? `${e.reason} at line ${lines + m.line + 1}, column ${m.column + 1}` : e.reason;
}

/** A JSON array of documents, or a kubectl-style `kind: List`, holds several documents in one. */
function flatten(value: unknown): unknown[] {
  const out: unknown[] = [];
  const stack = [value];
  while (stack.length) {
    const v = stack.pop();
    if (Array.isArray(v)) for (let i = v.length - 1; i >= 0; i--) stack.push(v[i]);
    else if (v && typeof v === "object" && (v as { kind?: unknown }).kind === "List" && Array.isArray((v as { items?: unknown }).items)) {
      const items = (v as { items: unknown[] }).items;
      for (let i = items.length - 1; i >= 0; i--) stack.push(items[i]);
    } else out.push(v);
  }
  return out;
}

/** The first key given twice in one object of a text that is valid JSON, and where. */
function duplicateKey(text: string): { key: string; offset: number } | undefined {
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let j = i + 1;
      let escaped = false;
      for (let d = text.charCodeAt(j); d !== 0x22; d = text.charCodeAt(j)) {
        if (d === 0x5c) (escaped = true), (j += 2);
        else j++;
      }
      const keys = stack[stack.length - 1];
      if (expectKey && keys) {
        const key = escaped ? (JSON.parse(text.slice(i, j + 1)) as string) : text.slice(i + 1, j);
        if (keys.has(key)) return { key, offset: i };
        keys.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b) {
      stack.push(new Set());
      expectKey = true;
    } else if (c === 0x5b) stack.push(null);
    else if (c === 0x7d || c === 0x5d) stack.pop();
    else if (c === 0x2c && stack[stack.length - 1]) expectKey = true;
  }
  return undefined;
}
