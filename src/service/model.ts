// From documents to a validated Model: the join every surface makes (CLI files, API bodies, the agent's
// watched resources). Kubernetes documents are translated first, then everything is validated whole.
import { toMoatDocuments } from "../importers/index.js";
import { InvalidInput } from "../errors/index.js";
import { buildModel, parseDocuments, type Issue, type Model, type SourcedDoc } from "../model/index.js";

export interface ParsedSources {
  docs: SourcedDoc[];
  /** Issues of documents that did not parse (syntax), which are not in docs. */
  issues: Issue[];
}

/** Parses texts (YAML or JSON, several documents each) named by where they came from. */
export function parseSources(sources: { name: string; text: string }[]): ParsedSources {
  const docs: SourcedDoc[] = [];
  const issues: Issue[] = [];
  for (const { name, text } of sources) {
    const parsed = parseDocuments(text, name);
    docs.push(...parsed.docs);
    issues.push(...parsed.issues);
  }
  return { docs, issues };
}

/** The validated model of the documents, or an InvalidInput carrying every issue. */
export function assembleModel(parsed: ParsedSources): Model {
  return assemble(parsed).model;
}

/** The same, with notes on what was read but left out (a pod with no address): info, not issues. */
export function assemble(parsed: ParsedSources): { model: Model; notes: Issue[] } {
  const moat = toMoatDocuments(parsed.docs);
  const result = buildModel(moat.docs);
  const all = [...parsed.issues, ...moat.issues, ...(result.ok ? [] : result.issues)];
  if (all.length || !result.ok) throw new InvalidInput(all);
  return { model: result.value, notes: moat.notes };
}
