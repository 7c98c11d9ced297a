// The record of what was applied: hashes of every chain and set moat expects in the kernel, kept in a
// file per network namespace (/var/lib/moat/netns-<inode>.json), so that `status` can say exactly what
// changed since, and an apply that finds nothing to do need not read the whole kernel (nftables).
import { createHash, randomUUID } from "node:crypto";
import { appendFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
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
  /** Set name to a hash of its members as the kernel reads them back (membersHash). */
  sets: Record<string, string>;
  /** A status found the kernel changed since: the next apply rewrites everything instead of trusting this. */
  drift?: boolean;
  /** The side file of set elements written with this record (see saveRecord). */
  elementsId?: string;
  /** How many lines of the side file's journal belong to this record (see saveRecord). */
  elementsSeq?: number;
}

/** Element adds and deletes of one set, in the order they were applied. */
export interface ElementDelta {
  set: string;
  add: string[];
  remove: string[];
}

/**
 * A record as an executor makes it, with the set elements it diffs against next time: all of them, or
 * the changes since the prior record's (an update by difference has no whole list at hand).
 */
export type RecordWithElements = AppliedRecord & { elements?: Record<string, string[]>; elementChanges?: ElementDelta[] };

export const linesHash = (lines: readonly string[]) => createHash("sha256").update(lines.join("\n")).digest("hex").slice(0, 16);

/** Two 32-bit string hashes of one element (FNV-1a, and a multiply-xorshift lane), for membersHash. */
function elementHash(e: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9e3779b9;
  for (let i = 0; i < e.length; i++) {
    const c = e.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  b = Math.imul(b ^ (b >>> 13), 0xc2b2ae35);
  return [a >>> 0, (b ^ (b >>> 16)) >>> 0];
}

const hex8 = (n: number) => n.toString(16).padStart(8, "0");

/**
 * A hash of a set's members that does not depend on their order and can be updated by the members
 * added and removed: a count and two sums of per-element hashes. An update by difference changes a set
 * of 650k elements by a few; a hash of the whole list would cost a walk over all of them (254 ms at
 * 100k workloads). It tells drift, not malice: whoever can change the kernel's sets is root already.
 */
export function membersHash(members: readonly string[]): string {
  return membersHashAfter(undefined, members, []);
}

/** membersHash of the members of `hash` with these added and removed (undefined: no members). */
export function membersHashAfter(hash: string | undefined, add: readonly string[], remove: readonly string[]): string {
  const m = hash ? /^([0-9a-z]+)-([0-9a-f]{8})([0-9a-f]{8})$/.exec(hash) : undefined;
  let n = m ? parseInt(m[1]!, 36) : 0;
  let a = m ? parseInt(m[2]!, 16) : 0;
  let b = m ? parseInt(m[3]!, 16) : 0;
  for (const e of add) {
    const [x, y] = elementHash(e);
    a = (a + x) >>> 0;
    b = (b + y) >>> 0;
    n++;
  }
  for (const e of remove) {
    const [x, y] = elementHash(e);
    a = (a - x) >>> 0;
    b = (b - y) >>> 0;
    n--;
  }
  return `${n.toString(36)}-${hex8(a)}${hex8(b)}`;
}

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
const journalPath = (path: string) => path.replace(/\.json$/, ".elements.log");
/** Journal lines before the elements are written whole again (a second at 100k workloads, once in so many). */
export const JOURNAL_LIMIT = 500;

interface JournalLine {
  id: string;
  seq: number;
  changes: ElementDelta[];
}

/** The journal's lines of this side file up to `seq`, in order; of lines with one number, the last (an
 * earlier one was written by an apply that crashed before its record). Undefined when one is missing. */
function journalOf(path: string, id: string, seq: number): JournalLine[] | undefined {
  if (!seq) return [];
  let text: string;
  try {
    text = readFileSync(journalPath(path), "utf8");
  } catch {
    return undefined;
  }
  const bySeq = new Map<number, JournalLine>();
  for (const l of text.split("\n")) {
    if (!l) continue;
    try {
      const line = JSON.parse(l) as JournalLine;
      if (line.id === id && line.seq <= seq) bySeq.set(line.seq, line);
    } catch {
      // A line cut short by a crash: it belongs to no record.
    }
  }
  const out: JournalLine[] = [];
  for (let k = 1; k <= seq; k++) {
    const line = bySeq.get(k);
    if (!line) return undefined;
    out.push(line);
  }
  return out;
}

/** Elements with the journal's changes applied (a list changed is no longer sorted; diffs allow that). */
function replay(elements: Record<string, string[]>, lines: JournalLine[]): Record<string, string[]> {
  const changed = new Map<string, Set<string>>();
  for (const { changes } of lines)
    for (const c of changes) {
      let set = changed.get(c.set);
      if (!set) changed.set(c.set, (set = new Set(elements[c.set] ?? [])));
      for (const e of c.remove) set.delete(e);
      for (const e of c.add) set.add(e);
    }
  const out = { ...elements };
  for (const [name, set] of changed) out[name] = [...set];
  return out;
}

/**
 * The set elements saved with this record, or undefined when the side file (or a journal line of it)
 * is missing or belongs to another record (a crash between the writes). They are a file of their own,
 * read only by an apply that renders in full: at 100k workloads they are 26 MB, and parsing them was
 * most of a no-op apply's time. Updates by difference append their changes to a journal instead.
 */
export async function loadRecordElements(runner: Runner, record: AppliedRecord): Promise<Record<string, string[]> | undefined> {
  if (!record.elementsId) return undefined;
  const path = await recordPath(runner);
  try {
    const side = JSON.parse(readFileSync(elementsPath(path), "utf8")) as { id?: string; elements?: Record<string, string[]> };
    if (side.id !== record.elementsId || !side.elements) return undefined;
    const lines = journalOf(path, record.elementsId, record.elementsSeq ?? 0);
    return lines && replay(side.elements, lines);
  } catch {
    return undefined;
  }
}

/**
 * Written to a temporary file and renamed, so a crash never leaves half a record. Elements go first:
 * all of them to their side file (and the journal is emptied), or the changes as one journal line
 * numbered after the prior record's. Every JOURNAL_LIMIT lines they are written whole again.
 */
export async function saveRecord(runner: Runner, record: RecordWithElements): Promise<void> {
  const path = await recordPath(runner);
  mkdirSync(stateDir(), { recursive: true, mode: 0o755 });
  const { elements: all, elementChanges, ...rest } = record;
  const main: AppliedRecord = rest;
  let elements = all;
  if (!elements && elementChanges && main.elementsId && (main.elementsSeq ?? 0) + 1 > JOURNAL_LIMIT) {
    const had = await loadRecordElements(runner, main);
    if (had) elements = replay(had, [{ id: main.elementsId, seq: 0, changes: elementChanges }]);
  }
  if (elements) {
    main.elementsId = randomUUID();
    delete main.elementsSeq;
    writeFileSync(`${elementsPath(path)}.tmp`, JSON.stringify({ id: main.elementsId, elements }));
    renameSync(`${elementsPath(path)}.tmp`, elementsPath(path));
    rmSync(journalPath(path), { force: true });
  } else if (elementChanges && main.elementsId) {
    main.elementsSeq = (main.elementsSeq ?? 0) + 1;
    appendFileSync(journalPath(path), JSON.stringify({ id: main.elementsId, seq: main.elementsSeq, changes: elementChanges } satisfies JournalLine) + "\n");
  } else if (elementChanges) {
    // No side file to journal against: the next apply that renders in full rewrites the tables.
    delete main.elementsId;
  }
  writeFileSync(`${path}.tmp`, JSON.stringify(main));
  renameSync(`${path}.tmp`, path);
}

export async function clearRecord(runner: Runner): Promise<void> {
  const path = await recordPath(runner);
  for (const p of [path, elementsPath(path), journalPath(path)]) rmSync(p, { force: true });
}

/** The hashes a record keeps of a read-back view (or of the view the Plan should read back as). */
export function hashView(view: Pick<ReadBack, "chains" | "sets">): Pick<AppliedRecord, "chains" | "sets"> {
  return {
    chains: Object.fromEntries([...view.chains].map(([k, lines]) => [k, linesHash(lines)])),
    sets: Object.fromEntries([...view.sets].map(([k, members]) => [k, membersHash(members)])),
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
