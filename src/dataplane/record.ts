// The record of what was applied: hashes of every chain and set moat expects in the kernel, kept in a
// file per network namespace (/var/lib/moat/netns-<inode>.json), so that `status` can say exactly what
// changed since, and an apply that finds nothing to do need not read the whole kernel (nftables).
import { createHash, randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BackendName, Generation } from "../render/index.js";
import type { Flavor } from "./flavor.js";
import { namespaceId, stateDir } from "./namespace.js";
import type { Runner } from "./runner.js";
import type { Difference, ReadBack } from "./types.js";

export interface AppliedRecord {
  version: 1;
  backend: BackendName;
  flavor?: Flavor;
  node: string;
  generation: Generation;
  rulesHash: string;
  planHash: string;
  appliedAt: string;
  /** Family keys whose hook must be present and first. */
  hooks: string[];
  /** Chain key to a hash of its rule lines as the kernel reads them back. */
  chains: Record<string, string>;
  /** Set name to a hash of its sorted members as the kernel reads them back. */
  sets: Record<string, string>;
  /** A status found the kernel changed since: the next apply rewrites everything instead of trusting this. */
  drift?: boolean;
  /** The side file of set elements written with this record (see saveRecord). */
  elementsId?: string;
}

/** A record as an executor makes it, with the set elements it diffs against next time. */
export type RecordWithElements = AppliedRecord & { elements?: Record<string, string[]> };

export const linesHash = (lines: readonly string[]) => createHash("sha256").update(lines.join("\n")).digest("hex").slice(0, 16);

async function recordPath(runner: Runner): Promise<string> {
  return join(stateDir(), `netns-${await namespaceId(runner)}.json`);
}

export async function loadRecord(runner: Runner): Promise<AppliedRecord | undefined> {
  try {
    const r = JSON.parse(readFileSync(await recordPath(runner), "utf8")) as AppliedRecord;
    return r.version === 1 ? r : undefined;
  } catch {
    return undefined;
  }
}

const elementsPath = (path: string) => path.replace(/\.json$/, ".elements.json");

/**
 * The set elements saved with this record, or undefined when the side file is missing or belongs to
 * another record (a crash between the two writes). They are a file of their own, read only by an
 * apply that changes elements: at 100k workloads they are 26 MB, and parsing them was most of a
 * no-op apply's time.
 */
export async function loadRecordElements(runner: Runner, record: AppliedRecord): Promise<Record<string, string[]> | undefined> {
  if (!record.elementsId) return undefined;
  try {
    const side = JSON.parse(readFileSync(elementsPath(await recordPath(runner)), "utf8")) as { id?: string; elements?: Record<string, string[]> };
    return side.id === record.elementsId ? side.elements : undefined;
  } catch {
    return undefined;
  }
}

/** Written to a temporary file and renamed, so a crash never leaves half a record; elements go first, to their side file. */
export async function saveRecord(runner: Runner, record: RecordWithElements): Promise<void> {
  const path = await recordPath(runner);
  mkdirSync(stateDir(), { recursive: true, mode: 0o755 });
  const { elements, ...rest } = record;
  const main: AppliedRecord = rest;
  if (elements) {
    main.elementsId = randomUUID();
    writeFileSync(`${elementsPath(path)}.tmp`, JSON.stringify({ id: main.elementsId, elements }));
    renameSync(`${elementsPath(path)}.tmp`, elementsPath(path));
  }
  writeFileSync(`${path}.tmp`, JSON.stringify(main));
  renameSync(`${path}.tmp`, path);
}

export async function clearRecord(runner: Runner): Promise<void> {
  const path = await recordPath(runner);
  rmSync(path, { force: true });
  rmSync(elementsPath(path), { force: true });
}

/** The hashes a record keeps of a read-back view (or of the view the Plan should read back as). */
export function hashView(view: Pick<ReadBack, "chains" | "sets">): Pick<AppliedRecord, "chains" | "sets"> {
  return {
    chains: Object.fromEntries([...view.chains].map(([k, lines]) => [k, linesHash(lines)])),
    sets: Object.fromEntries([...view.sets].map(([k, members]) => [k, linesHash(members)])),
  };
}

/** Where the kernel differs from the record; empty when they agree. Pure. */
export function compareWithRecord(record: AppliedRecord | undefined, kernel: ReadBack): Difference[] {
  const out: Difference[] = [];
  if (!record) {
    const anything = kernel.chains.size || kernel.sets.size || Object.values(kernel.hooks).some((h) => h.count > 0);
    if (anything) out.push({ kind: "not-applied", detail: `no record of an apply, but the kernel holds ${kernel.chains.size} moat chains and ${kernel.sets.size} moat sets` });
    return out;
  }
  if (record.backend !== kernel.backend) return [{ kind: "other-backend", detail: `applied with ${record.backend}, read back from ${kernel.backend}` }];
  for (const key of record.hooks) {
    const h = kernel.hooks[key];
    if (!h || h.count === 0) out.push({ kind: "hook-missing", name: key, detail: `hook (${key}) is missing: forwarded traffic is not judged by moat` });
    else {
      if (h.position !== 0) out.push({ kind: "hook-moved", name: key, detail: `hook (${key}) is at position ${h.position + 1}, not first: rules before it judge traffic first` });
      if (h.count > 1) out.push({ kind: "hook-duplicated", name: key, detail: `${h.count} moat hooks (${key})` });
      if (h.rulesHash !== record.rulesHash || h.generation !== record.generation)
        out.push({ kind: "hook-changed", name: key, detail: `hook (${key}) points at rules ${h.rulesHash ?? "?"} generation ${h.generation ?? "?"}, applied were ${record.rulesHash} generation ${record.generation}` });
    }
  }
  const have = hashView(kernel);
  for (const [name, hash] of Object.entries(record.chains)) {
    if (have.chains[name] === undefined) out.push({ kind: "chain-missing", name, detail: `chain ${name} is missing` });
    else if (have.chains[name] !== hash) out.push({ kind: "chain-changed", name, detail: `chain ${name} has ${kernel.chains.get(name)!.length} rules that differ from those applied` });
  }
  for (const name of Object.keys(have.chains)) if (!(name in record.chains)) out.push({ kind: "chain-extra", name, detail: `chain ${name} was not applied` });
  for (const [name, hash] of Object.entries(record.sets)) {
    if (have.sets[name] === undefined) out.push({ kind: "set-missing", name, detail: `set ${name} is missing` });
    else if (have.sets[name] !== hash) out.push({ kind: "set-changed", name, detail: `set ${name} has members that differ from those applied (${kernel.sets.get(name)!.length} now)` });
  }
  for (const name of Object.keys(have.sets)) if (!(name in record.sets)) out.push({ kind: "set-extra", name, detail: `set ${name} was not applied` });
  return out;
}
