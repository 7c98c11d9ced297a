// `moat policy add|remove|list` on a manifest file, as pure functions of its text: the file's other
// documents keep their bytes, and an edited document is re-printed alone. Cloud Foundry policies are
// found by their shape (see c2c.ts), so a hand-written Policy of the same shape is one too.
import { Document, isMap, isSeq, parseAllDocuments, type Node } from "yaml";
import { parseDocuments, show, type Issue } from "../../model/index.js";
import { isObject, yamlText } from "../emit.js";
import { APP_GUID_LABEL, APP_NAME_LABEL, isC2cPolicyDoc, policyDestination, policyDoc, policyName, readRule, ruleDoc, samePolicy, type C2cPolicy, type C2cProtocol } from "./c2c.js";

export interface C2cManifest {
  file: string;
  text: string;
  docs: Document.Parsed[];
  values: unknown[];
  /** App GUID to app name, from the workloads' labels. */
  names: Map<string, string>;
}

export type Opened = { ok: true; manifest: C2cManifest } | { ok: false; issues: Issue[] };

export function openManifest(text: string, file: string): Opened {
  // The bounded reader first: a file it refuses (an alias bomb, nesting too deep for the editing
  // parser's recursion) never reaches the parser that keeps the file's formatting.
  const gate = parseDocuments(text, file);
  if (gate.issues.length) return { ok: false, issues: gate.issues };
  const docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true });
  const issues: Issue[] = [];
  docs.forEach((d, document) => {
    for (const e of d.errors) issues.push({ code: "syntax", path: [], file, document, message: `not valid YAML: ${e.message.split("\n")[0]}` });
  });
  if (issues.length) return { ok: false, issues };
  const values = docs.map((d) => d.toJS() as unknown);
  const names = new Map<string, string>();
  for (const v of values) {
    const labels = isObject(v) && v.kind === "Workload" && isObject(v.metadata) && isObject(v.metadata.labels) ? v.metadata.labels : undefined;
    const guid = labels?.[APP_GUID_LABEL];
    const name = labels?.[APP_NAME_LABEL];
    if (typeof guid === "string" && typeof name === "string") names.set(guid, name);
  }
  return { ok: true, manifest: { file, text, docs, values, names } };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * SRC or DST as `cf` users type it: an app name (a workload's cloudfoundry.org/app-name label), or an
 * app GUID, known from a workload's cloudfoundry.org/app-guid label or shaped like a GUID (the app may
 * run on cells this file does not describe).
 */
export function resolveApp(m: C2cManifest, ref: string): { ok: true; guid: string } | { ok: false; message: string } {
  const byName = [...m.names].filter(([, name]) => name === ref).map(([guid]) => guid);
  if (byName.length === 1) return { ok: true, guid: byName[0]! };
  if (byName.length > 1) return { ok: false, message: `App ${ref} is ambiguous: it names apps ${byName.join(", ")}; give a GUID` };
  const known = m.values.some((v) => isObject(v) && v.kind === "Workload" && isObject(v.metadata) && isObject(v.metadata.labels) && v.metadata.labels[APP_GUID_LABEL] === ref);
  if (known || GUID.test(ref)) return { ok: true, guid: ref };
  return { ok: false, message: `App ${ref} not found` };
}

/** Every Cloud Foundry policy the file states, in file order. */
export function listPolicies(m: C2cManifest): C2cPolicy[] {
  const out: C2cPolicy[] = [];
  for (const v of m.values.flatMap((v) => (Array.isArray(v) ? v : isObject(v) && v.kind === "List" && Array.isArray(v.items) ? v.items : [v]))) {
    const destination = policyDestination(v);
    if (!destination || !isObject(v) || !isObject(v.spec) || !Array.isArray(v.spec.ingress)) continue;
    for (const rule of v.spec.ingress) {
      const p = readRule(rule, destination);
      if (p) out.push(p);
    }
  }
  return out;
}

export type Edited = { ok: true; text: string; changed: C2cPolicy[] } | { ok: false; issues: Issue[] };

/** Adds the policy to its destination's Policy, or appends a new Policy; a policy already there changes nothing. */
export function addPolicy(m: C2cManifest, p: C2cPolicy): Edited {
  const refused = refuseLists(m);
  if (refused) return refused;
  if (listPolicies(m).some((q) => samePolicy(p, q))) return { ok: true, text: m.text, changed: [] };
  const at = m.values.findIndex((v) => isC2cPolicyDoc(v) && policyDestination(v) === p.destination);
  if (at >= 0) {
    const doc = m.docs[at]!;
    const rule = doc.createNode(ruleDoc(p));
    if (isSeq(doc.getIn(["spec", "ingress"]))) doc.addIn(["spec", "ingress"], rule);
    else doc.setIn(["spec", "ingress"], doc.createNode([ruleDoc(p)]));
    return { ok: true, text: replaceContents(m.text, doc), changed: [p] };
  }
  const name = policyName(p.destination);
  const taken = m.values.findIndex((v) => isObject(v) && v.kind === "Policy" && isObject(v.metadata) && v.metadata.name === name && !v.metadata.namespace);
  if (taken >= 0) {
    return { ok: false, issues: [{ code: "duplicate", path: ["metadata", "name"], file: m.file, document: taken, message: `Policy ${show(name)} exists but is not the Cloud Foundry policy of app ${p.destination}; rename it first` }] };
  }
  const fresh = new Document(policyDoc(p.destination, [p]));
  const hasContent = m.docs.some((d) => d.contents !== null);
  const base = m.text === "" || m.text.endsWith("\n") ? m.text : `${m.text}\n`;
  return { ok: true, text: `${base}${hasContent ? "---\n" : ""}${yamlText(fresh)}`, changed: [p] };
}

export interface RemoveMatch {
  source: string;
  destination: string;
  /** Absent: every protocol and port range from source to destination. */
  protocol?: C2cProtocol;
  start?: number;
  end?: number;
}

/** Removes the matching policies; a Policy left with no rules is removed whole, since it would deny everything. */
export function removePolicies(m: C2cManifest, match: RemoveMatch): Edited {
  const refused = refuseLists(m);
  if (refused) return refused;
  const hits = (p: C2cPolicy | undefined) =>
    !!p && p.source === match.source && (match.protocol === undefined || (p.protocol === match.protocol && p.start === match.start && p.end === match.end));
  let text = m.text;
  const changed: C2cPolicy[] = [];
  // Last document first, so that the ranges of earlier documents still hold after each splice.
  for (let at = m.docs.length - 1; at >= 0; at--) {
    const v = m.values[at];
    if (policyDestination(v) !== match.destination || !isObject(v) || !isObject(v.spec) || !Array.isArray(v.spec.ingress)) continue;
    const rules = v.spec.ingress.map((r) => readRule(r, match.destination));
    const gone = rules.flatMap((p, i) => (hits(p) ? [i] : []));
    if (!gone.length) continue;
    changed.unshift(...gone.map((i) => rules[i]!));
    const doc = m.docs[at]!;
    if (gone.length === rules.length) {
      text = removeDocument(text, m.docs, at);
      continue;
    }
    for (const i of [...gone].reverse()) doc.deleteIn(["spec", "ingress", i]);
    text = replaceContents(text, doc);
  }
  return { ok: true, text, changed };
}

function refuseLists(m: C2cManifest): Edited | undefined {
  const at = m.values.findIndex((v) => Array.isArray(v) || (isObject(v) && v.kind === "List"));
  if (at < 0) return undefined;
  return { ok: false, issues: [{ code: "unsupported", path: [], file: m.file, document: at, message: "this document holds a list of resources; policy add and remove edit YAML files with one resource per document" }] };
}

/** The document's text replaced by its re-printed contents; comments before it and the `---` stay. */
function replaceContents(text: string, doc: Document.Parsed): string {
  const node = doc.contents as Node;
  if (!isMap(node) || !node.range) throw new Error("a Policy document is a mapping with a source range");
  const [start, end] = node.range;
  const before = node.commentBefore;
  node.commentBefore = undefined;
  const printed = yamlText(new Document(node));
  node.commentBefore = before;
  return text.slice(0, start) + printed + text.slice(end);
}

function removeDocument(text: string, docs: Document.Parsed[], at: number): string {
  const start = at === 0 ? (docs[0]!.contents as Node).range![0] : docs[at]!.range[0];
  const end = at + 1 < docs.length ? docs[at + 1]!.range[0] : text.length;
  return text.slice(0, start) + text.slice(end);
}
