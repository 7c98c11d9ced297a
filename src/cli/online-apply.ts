// `moat apply -f FILE --server URL`: store the manifests in the server, as `kubectl apply` does, and say
// what changed. The files are read and parsed here, so syntax errors name the file and line.
import { api, type Client } from "../client/index.js";
import { InvalidInput, visible } from "../errors/index.js";
import type { Io } from "./io.js";
import { documentsBody, locateIssues } from "./online.js";
import { readDocuments } from "./read-model.js";
import { UsageError } from "./errors.js";

export async function applyToServer(io: Io, client: Client, files: string[], output: "text" | "json"): Promise<void> {
  const read = await readDocuments(io, files);
  if (read.issues.length) throw new InvalidInput(read.issues);
  if (!read.docs.length) throw new UsageError("no objects passed to apply");
  const r = await api.apply(client, documentsBody(read.docs)).catch((e) => locateIssues(e, read.docs));
  if (output === "json") return io.out(JSON.stringify(r, null, 2));
  for (const name of r.created) io.out(`${visible(name)} created`);
  for (const name of r.updated) io.out(`${visible(name)} configured`);
  for (const name of r.unchanged) io.out(`${visible(name)} unchanged`);
  io.out(`revision ${r.revision}`);
}
