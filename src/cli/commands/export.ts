import { Argument } from "commander";
import { stringify } from "yaml";
import { exportKubernetes, toMoatDocuments } from "../../importers/index.js";
import { buildModel, formatIssue, type Issue, type SourcedDoc } from "../../model/index.js";
import { withFiles, type RegisterCommand } from "../context.js";
import { InvalidInput } from "../errors.js";
import { parseOutput } from "../options.js";
import { readDocuments, requireObjects } from "../read-model.js";

/** "Kind/namespace/name" of each document, so that an export issue names the file it came from. */
function origins(docs: SourcedDoc[]): Map<string, SourcedDoc> {
  const map = new Map<string, SourcedDoc>();
  for (const s of docs) {
    const d = s.doc as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
    const id = typeof d?.metadata?.namespace === "string" ? `${d.metadata.namespace}/${String(d.metadata.name)}` : String(d?.metadata?.name);
    map.set(`${String(d?.kind)}/${id}`, s);
  }
  return map;
}

function locate(issue: Issue, from: Map<string, SourcedDoc>): Issue {
  const s = issue.resource ? from.get(issue.resource) : undefined;
  return s ? { ...issue, file: s.file, document: s.index } : issue;
}

export const registerExport: RegisterCommand = (program, { io }) => {
  withFiles(
    program
      .command("export")
      .description("write the policies in another system's language: kubernetes (NetworkPolicy and Namespace documents)")
      .addArgument(new Argument("<format>", "the target").choices(["kubernetes"])),
  )
    .option("-o, --output <format>", "yaml (documents separated by ---) or json (a v1 List)", "yaml")
    .action(async (_format: string, opts: { filename: string[]; output: string }) => {
      const output = parseOutput(opts.output, ["yaml", "json"] as const);
      const read = await readDocuments(io, opts.filename);
      requireObjects(read, opts.filename);
      const moat = toMoatDocuments(read.docs);
      for (const note of moat.notes) io.err(`info: ${formatIssue(note)}`);
      const built = buildModel(moat.docs);
      const issues = [...read.issues, ...moat.issues, ...(built.ok ? [] : built.issues)];
      if (issues.length || !built.ok) throw new InvalidInput(issues);
      const result = exportKubernetes(built.value);
      if (result.issues.length) {
        const from = origins(moat.docs);
        throw new InvalidInput(result.issues.map((i) => locate(i, from)));
      }
      if (output === "json") io.out(JSON.stringify({ apiVersion: "v1", kind: "List", items: result.docs }, null, 2));
      // YAML 1.1 quoting, so that a Kubernetes reader does not take the namespace "y" for true.
      else io.out(result.docs.map((d) => stringify(d, { version: "1.1" })).join("---\n"));
    });
};
