import type { Probe } from "../../policy/index.js";

const ALLOWED = "✓";
const DENIED = "✗";

/** One grid per port: sources as rows, destinations as columns. */
export function matrixTable(probes: Probe[]): string {
  const groups = new Map<string, Probe[]>();
  for (const p of probes) {
    const key = p.port === null ? p.protocol : `${p.port}/${p.protocol}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(p);
  }
  const out: string[] = [];
  for (const [key, list] of groups) {
    const names = [...new Set(list.map((p) => p.from))];
    const cell = new Map(list.map((p) => [`${p.from}\0${p.to}`, p.allowed]));
    const rowHead = Math.max(...names.map((n) => n.length), "from \\ to".length);
    const widths = names.map((n) => Math.max(n.length, 1));
    out.push(`port ${key}  (${ALLOWED} allowed, ${DENIED} denied; rows: from, columns: to)`);
    out.push(["from \\ to".padEnd(rowHead), ...names.map((n, i) => n.padEnd(widths[i]!))].join("  ").trimEnd());
    for (const from of names) {
      const cells = names.map((to, i) => (cell.get(`${from}\0${to}`) ? ALLOWED : DENIED).padEnd(widths[i]!));
      out.push([from.padEnd(rowHead), ...cells].join("  ").trimEnd());
    }
    out.push("");
  }
  return out.join("\n");
}
