import type { Probe } from "../../policy/index.js";

const ALLOWED = "✓";
const DENIED = "✗";
const HEAD = "from \\ to";

const key = (p: Probe) => (p.port === null ? p.protocol : `${p.port}/${p.protocol}`);

/**
 * One grid per port, sources as rows, destinations as columns, printed a row at a time: `rows` are the
 * matrix's rows in order (one port and one source each, every destination), `names` every workload.
 */
export function* matrixTableLines(rows: Iterable<Probe[]>, names: string[]): Generator<string> {
  const rowHead = Math.max(...names.map((n) => n.length), HEAD.length);
  const widths = names.map((n) => Math.max(n.length, 1));
  let port: string | undefined;
  for (const row of rows) {
    if (!row.length) continue;
    if (key(row[0]!) !== port) {
      if (port !== undefined) yield "";
      port = key(row[0]!);
      yield `port ${port}  (${ALLOWED} allowed, ${DENIED} denied; rows: from, columns: to)`;
      yield [HEAD.padEnd(rowHead), ...names.map((n, i) => n.padEnd(widths[i]!))].join("  ").trimEnd();
    }
    const cells = row.map((p, i) => (p.allowed ? ALLOWED : DENIED).padEnd(widths[i]!));
    yield [row[0]!.from.padEnd(rowHead), ...cells].join("  ").trimEnd();
  }
  if (port !== undefined) yield "";
}

/** The same grids from a whole list of probes (as a server returns them). */
export function matrixTable(probes: Probe[]): string {
  const groups = new Map<string, Probe[]>();
  for (const p of probes) {
    let group = groups.get(key(p));
    if (!group) groups.set(key(p), (group = []));
    group.push(p);
  }
  const out: string[] = [];
  for (const list of groups.values()) {
    const names = [...new Set(list.map((p) => p.from))];
    const cell = new Map(list.map((p) => [`${p.from}\0${p.to}`, p]));
    const rows = names.map((from) => names.map((to) => cell.get(`${from}\0${to}`) ?? { ...list[0]!, from, to, allowed: false }));
    out.push(...matrixTableLines(rows, names));
  }
  return out.join("\n");
}
