// The CLI's only contact with the outside: files, stdin and the two output streams, injectable for tests.
// Files and stdin are read as bytes and decoded strictly (src/model/text.ts): not UTF-8 is an error.
import { once } from "node:events";
import { readFile } from "node:fs/promises";
import { decodeText } from "../model/index.js";

export interface Io {
  out(text: string): void;
  err(text: string): void;
  readFile(path: string): Promise<string>;
  readStdin(): Promise<string>;
  /** Resolves once stdout has taken what it was given, for output written in many parts. */
  drain?(): Promise<void>;
}

/** Input that is not UTF-8 text: the message says why and where, never echoing the bytes. */
export class NotText extends Error {}

export function decodeInput(bytes: Uint8Array): string {
  const d = decodeText(bytes);
  if (!d.ok) throw new NotText(d.message);
  return d.text;
}

export const processIo: Io = {
  out: (text) => void process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
  err: (text) => void process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
  drain: async () => {
    if (process.stdout.writableNeedDrain) await once(process.stdout, "drain");
  },
  readFile: async (path) => decodeInput(await readFile(path)),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return decodeInput(Buffer.concat(chunks));
  },
};
