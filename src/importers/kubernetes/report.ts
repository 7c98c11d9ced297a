import type { Issue, IssuePath, SourcedDoc } from "../../model/index.js";

export type Report = (path: IssuePath, code: string, message: string) => void;

/** A reporter that stamps every issue with where its document came from and what it is. */
export function reporter(source: SourcedDoc, resource: string, issues: Issue[]): Report {
  return (path, code, message) => issues.push({ file: source.file, document: source.index, resource, code, path, message });
}
