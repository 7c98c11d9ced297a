// What every importer shares at its two ends: reading the foreign JSON it is given, and handing back
// moat documents that are known to validate. An importer builds plain documents and their origins;
// `finishImport` runs them through buildModel, so a manifest that would not validate is reported
// against the input that produced it instead of being printed.
import { Document, parseDocument, Scalar, visit } from "yaml";
import { API_VERSION, buildModel, formatIssue, labelKeyProblem, labelValueProblem, show, type Issue, type IssuePath } from "../model/index.js";

export type Doc = Record<string, unknown>;

/** Where an emitted document came from, so a problem found in it can name the input. */
export interface Origin {
  file: string;
  path: IssuePath;
}

export type ImportResult = { ok: true; docs: Doc[]; warnings: string[] } | { ok: false; issues: Issue[] };

export type OutputFormat = "yaml" | "json";

export const resource = (kind: string, metadata: Doc, spec: Doc): Doc => ({ apiVersion: API_VERSION, kind, metadata, spec });

/** The importer's documents if they validate as a whole; else each problem, named by the input it came from. */
export function finishImport(docs: Doc[], origins: Origin[], warnings: string[]): ImportResult {
  const built = buildModel(docs.map((doc, index) => ({ file: "<import>", index, doc })));
  if (built.ok) return { ok: true, docs, warnings };
  const issues = built.issues.map((i): Issue => {
    const origin = i.document !== undefined ? origins[i.document] : undefined;
    const inner = { ...i, file: undefined, document: undefined };
    return { code: i.code, path: origin?.path ?? [], file: origin?.file ?? "<import>", message: `would import an invalid manifest: ${formatIssue(inner)}` };
  });
  return { ok: false, issues };
}

/** YAML documents separated by `---`, or one JSON array: both are what `moat validate -f` reads. */
export function printManifests(docs: Doc[], format: OutputFormat): string {
  if (format === "json") return `${JSON.stringify(docs, null, 2)}\n`;
  return docs.map((d) => yamlText(new Document(d))).join("---\n");
}

/** A document as YAML, with port ranges ("8080:8090") quoted so that no YAML 1.1 reader takes them for base-60 numbers. */
export function yamlText(doc: Document): string {
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value === "string" && /^\d+:\d+$/.test(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  return doc.toString({ lineWidth: 0 });
}

export type Json = { ok: true; value: unknown } | { ok: false; issues: Issue[] };

export function parseJson(text: string, file: string): Json {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    const raw = (e as Error).message;
    const message = raw.replace(/ in JSON at position \d+.*$/s, "").replace(/, (?:".*"|\.\.\.".*") is not valid JSON$/s, "");
    return { ok: false, issues: [{ code: "syntax", path: [], file, message: `not valid JSON${where(text, raw)}: ${message}` }] };
  }
}

/** Where JSON.parse stopped: V8 gives an offset for some errors only, so the YAML parser (a superset of JSON) is asked for the others. */
function where(text: string, message: string): string {
  const at = /position (\d+)/.exec(message);
  if (at) {
    const before = text.slice(0, Number(at[1])).split("\n");
    return ` (line ${before.length}, column ${before[before.length - 1]!.length + 1})`;
  }
  const pos = parseDocument(text).errors[0]?.linePos?.[0];
  return pos ? ` (line ${pos.line}, column ${pos.col})` : "";
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A value for a message: JSON, cut short so that a whole object pasted by mistake stays readable. */
export function brief(v: unknown): string {
  const text = show(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The end of "X must be Y, ...": what was found instead, or that nothing was. */
export const not = (v: unknown): string => (v === undefined ? "but it is missing" : `not ${brief(v)}`);

/** Builds issues for one input file; importers gather them all rather than stop at the first. */
export function issueSink(file: string) {
  const issues: Issue[] = [];
  const report = (path: IssuePath, code: string, message: string) => void issues.push({ code, path, message, file });
  return { issues, report };
}

export type Report = (path: IssuePath, code: string, message: string) => void;

/** Reports every key of `obj` that is not in `known` (Rancher, CNI and Cloud Foundry typos would otherwise be dropped silently). */
export function checkKnownKeys(obj: Record<string, unknown>, known: readonly string[], path: IssuePath, report: Report): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) report([...path, key], "unknown-field", `unknown field ${show(key)}; expected one of ${known.join(", ")}`);
  }
}

// Importers check labels first so they can map or drop a foreign label with a clear message instead of
// failing validation later; the rules are the model's own.
export const isLabelKey = (key: string): boolean => labelKeyProblem(key) === undefined;
export const isLabelValue = (value: string): boolean => labelValueProblem(value) === undefined;

/**
 * A foreign name as a moat resource name, renamed deterministically rather than refused: characters
 * outside [A-Za-z0-9-_.] become "-", leading and trailing punctuation goes, and a name that starts
 * with "moat" (reserved for moat's own chains and sets) gets `prefix-` in front. Callers check that
 * two inputs do not end up with the same name.
 */
export function sanitizeName(raw: string, prefix: string): { ok: true; name: string; renamed: boolean } | { ok: false; message: string } {
  let name = raw.replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "").replace(/[^A-Za-z0-9]+$/, "");
  if (!name) return { ok: false, message: `name ${show(raw)} has no letter or digit to make a moat name from` };
  if (name.toLowerCase().startsWith("moat")) name = `${prefix}-${name}`;
  if (name.length > 253) name = name.slice(0, 253).replace(/[^A-Za-z0-9]+$/, "");
  return { ok: true, name, renamed: name !== raw };
}

/** Gives each raw name its sanitized name once, and reports two raw names that would share one. */
export function nameRegistry(kind: string, prefix: string) {
  const owners = new Map<string, string>();
  const warnings: string[] = [];
  const claim = (raw: string, path: IssuePath, report: Report): string | undefined => {
    const s = sanitizeName(raw, prefix);
    if (!s.ok) return void report(path, "invalid-name", s.message);
    const owner = owners.get(s.name);
    if (owner !== undefined) {
      const why = owner === raw ? "is given twice" : `and ${show(owner)} both become ${show(s.name)}`;
      return void report(path, "duplicate", `${kind} ${show(raw)} ${why}`);
    }
    owners.set(s.name, raw);
    if (s.renamed) warnings.push(`${kind} ${show(raw)} is imported as ${show(s.name)} (moat names are [A-Za-z0-9-_.] and may not start with "moat")`);
    return s.name;
  };
  return { claim, warnings };
}
