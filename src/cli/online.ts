// The CLI against a server, as kubectl: --server URL (or MOAT_SERVER) and --token T (or MOAT_TOKEN,
// or --token-file). Without a server every verb works on files, as before.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { Client } from "../client/index.js";
import { InvalidInput } from "../errors/index.js";
import type { SourcedDoc } from "../model/index.js";
import { UsageError } from "./errors.js";

export interface ServerFlags {
  server?: string;
  token?: string;
  tokenFile?: string;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/** Adds the flags that point a verb at a server. */
export const withServer = (cmd: Command) =>
  cmd
    .option("--server <url>", "a moat server (or several, comma-separated); default $MOAT_SERVER; absent: work on files")
    .option("--token <token>", "bearer token (default $MOAT_TOKEN)")
    .option("--token-file <file>", "read the bearer token from a file")
    .option("--ca-file <file>", "PEM of the CA that signed the server's certificate")
    .option("--cert-file <file>", "client certificate for mutual TLS")
    .option("--key-file <file>", "client certificate's key");

function readFlagFile(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UsageError(`${flag} ${JSON.stringify(path)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** The client the flags ask for, or undefined to work offline. */
export function clientOf(flags: ServerFlags, env: NodeJS.ProcessEnv = process.env): Client | undefined {
  const server = flags.server ?? env.MOAT_SERVER;
  if (!server) return undefined;
  const token = flags.token ?? (flags.tokenFile ? readFlagFile(flags.tokenFile, "--token-file").toString("utf8").trim() : env.MOAT_TOKEN);
  return new Client({
    server,
    ...(token ? { token } : {}),
    ...(flags.caFile ? { ca: readFlagFile(flags.caFile, "--ca-file") } : {}),
    ...(flags.certFile ? { cert: readFlagFile(flags.certFile, "--cert-file") } : {}),
    ...(flags.keyFile ? { key: readFlagFile(flags.keyFile, "--key-file") } : {}),
  });
}

/** The documents as a YAML stream of one JSON document each, so the server's document numbers map back. */
export const documentsBody = (docs: SourcedDoc[]) => docs.map((d) => JSON.stringify(d.doc)).join("\n---\n") + "\n";

/** The server numbers the documents of the body; say which file and document each issue is about. */
export function locateIssues(e: unknown, docs: SourcedDoc[]): never {
  if (e instanceof InvalidInput) {
    throw new InvalidInput(
      e.issues.map((i) => {
        const source = i.file === "body" && i.document !== undefined ? docs[i.document] : undefined;
        if (!source) return i;
        // The server's `line` counts lines of the body this CLI made (a JSON document a line), not of the file.
        const { line: _bodyLine, ...rest } = i as typeof i & { line?: number };
        return { ...rest, file: source.file, document: source.index };
      }),
    );
  }
  throw e;
}
