// The matrix as pictures people paste into tickets: Graphviz DOT (groups as nodes, allowed traffic as
// edges labelled with its ports) and one self-contained HTML page (no script, no fetch). User text goes
// through one escaping function per format.
import { visible } from "../../errors/index.js";
import type { Model } from "../../model/index.js";
import type { Probe } from "../../policy/index.js";

const portText = (p: Probe) => (p.port === null ? p.protocol : `${p.port}/${p.protocol}`);

/** A workload's group: its namespace when it has one, else its network. */
export function groupsOf(model: Model): Map<string, string> {
  return new Map(model.workloads.map((w) => [w.id, w.namespace ? `namespace ${w.namespace}` : `network ${w.network}`]));
}

/** DOT's quoted string: backslash and quote escaped, control characters made visible. */
const dotString = (text: string) => `"${visible(text).replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

export function matrixDot(rows: Iterable<Probe[]>, groups: Map<string, string>): string {
  const edges = new Map<string, Set<string>>();
  const nodes = new Set(groups.values());
  for (const row of rows) {
    for (const p of row) {
      if (!p.allowed || p.from === p.to) continue;
      const key = JSON.stringify([groups.get(p.from), groups.get(p.to)]);
      if (!edges.has(key)) edges.set(key, new Set());
      edges.get(key)!.add(portText(p));
    }
  }
  const lines = ["digraph moat {", "  rankdir=LR;", '  node [shape=box, style=rounded];'];
  for (const n of [...nodes].sort()) lines.push(`  ${dotString(n)};`);
  for (const [key, ports] of [...edges].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const [from, to] = JSON.parse(key) as [string, string];
    lines.push(`  ${dotString(from)} -> ${dotString(to)} [label=${dotString([...ports].join(", "))}];`);
  }
  lines.push("}");
  return lines.join("\n");
}

/** HTML text and attribute values: the five characters that matter escaped, controls made visible. */
const html = (text: string) => visible(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

const STYLE = `body{font:14px system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse;margin-bottom:2em}
th,td{border:1px solid #ccc;padding:2px 6px;text-align:center}th.from{text-align:right}
td[data-allowed=true]{background:#d8f3dc}td[data-allowed=true]::before{content:"✓ "}
td[data-allowed=false]{background:#fde2e1}td[data-allowed=false]::before{content:"✗ "}`;

/** One page: a table per port, sources as rows, destinations as columns; each cell says why in its title. */
export function matrixHtml(rows: Iterable<Probe[]>, names: string[]): string {
  const out = ['<!doctype html>', '<html lang="en"><head><meta charset="utf-8">', '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">', "<title>moat matrix</title>", `<style>${STYLE}</style></head><body>`, "<h1>What can reach what</h1>"];
  let port: string | undefined;
  for (const row of rows) {
    if (!row.length) continue;
    if (portText(row[0]!) !== port) {
      if (port !== undefined) out.push("</table>");
      port = portText(row[0]!);
      out.push(`<h2>${html(port)}</h2>`, "<table>", `<tr><th>from \\ to</th>${names.map((n) => `<th>${html(n)}</th>`).join("")}</tr>`);
    }
    const cells = row.map((p) => `<td data-from="${html(p.from)}" data-to="${html(p.to)}" data-port="${p.port ?? ""}" data-protocol="${p.protocol}" data-allowed="${p.allowed}" title="${html(p.reason)}">${p.allowed ? "allowed" : "denied"}</td>`);
    out.push(`<tr><th class="from">${html(row[0]!.from)}</th>${cells.join("")}</tr>`);
  }
  if (port !== undefined) out.push("</table>");
  out.push("</body></html>");
  return out.join("\n");
}
