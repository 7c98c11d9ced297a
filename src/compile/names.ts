import { createHash } from "node:crypto";

/** A short stable hash of a description: the same thing always gets the same name, on every node. */
export function shortHash(text: string, length = 10): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

export const setName = (tag: string, key: string) => `moat-${tag}${shortHash(`${tag}\0${key}`)}`;
