// The reachability matrix for one port: sources as rows, destinations as columns, grouped by network or
// namespace (collapsible), filtered by a label selector. Each cell is a <td> with exactly data-from,
// data-to, data-port, data-protocol, data-allowed; allowed and denied differ in colour and in mark
// (✓ / ✕), so it reads without colour. Past VIRTUAL_ROWS rows only the rows in view are in the DOM.
import { html, nothing, type TemplateResult } from "lit";
import { ref } from "lit/directives/ref.js";
import type { UiWorkload } from "./resources.js";

export interface MatrixProbe {
  from: string;
  to: string;
  port: number | null;
  protocol: string;
  allowed: boolean;
  reason: string;
}

export type GroupBy = "network" | "namespace";

export interface MatrixInput {
  workloads: UiWorkload[];
  probes: Map<string, MatrixProbe>;
  groupBy: GroupBy;
  collapsed: Set<string>;
  selected?: MatrixProbe;
  scrollTop: number;
  viewportHeight: number;
  /** The height of a row as the browser laid it out (measured after a render). */
  rowPx: number;
  onCell: (p: MatrixProbe) => void;
  onToggle: (group: string) => void;
}

export const VIRTUAL_ROWS = 120;
export const ROW_PX = 22;

export const probeKey = (from: string, to: string) => `${from}\u0000${to}`;

export function groupOf(w: UiWorkload, by: GroupBy): string {
  return by === "network" ? `network ${w.network}` : w.namespace ? `namespace ${w.namespace}` : "no namespace";
}

export function groupWorkloads(ws: UiWorkload[], by: GroupBy): [string, UiWorkload[]][] {
  const groups = new Map<string, UiWorkload[]>();
  for (const w of ws) {
    const g = groupOf(w, by);
    groups.set(g, [...(groups.get(g) ?? []), w]);
  }
  return [...groups.entries()];
}

type Line = { group: string; size: number } | { row: UiWorkload };

export function matrixTable(m: MatrixInput): TemplateResult {
  const groups = groupWorkloads(m.workloads, m.groupBy);
  const columns = groups.filter(([g]) => !m.collapsed.has(g));
  const cols = columns.flatMap(([, ws]) => ws);
  const lines: Line[] = groups.flatMap(([g, ws]): Line[] => [{ group: g, size: ws.length }, ...(m.collapsed.has(g) ? [] : ws.map((row) => ({ row })))]);
  let first = 0;
  let last = lines.length;
  if (lines.length > VIRTUAL_ROWS) {
    first = Math.max(0, Math.min(lines.length - 1, Math.floor(m.scrollTop / m.rowPx) - 10));
    last = Math.min(lines.length, first + Math.ceil(m.viewportHeight / m.rowPx) + 20);
  }
  // The height is set through the CSSOM: the CSP refuses style attributes (lit's styleMap writes one first).
  const height = (px: number) => ref((el) => el && ((el as HTMLElement).style.height = `${px}px`));
  const spacer = (n: number) => (n > 0 ? html`<tr class="spacer"><td ${height(n * m.rowPx)}></td></tr>` : nothing);
  const cell = (from: UiWorkload, to: UiWorkload) => {
    const p = m.probes.get(probeKey(from.id, to.id));
    if (!p) return html`<td class="cell unknown">?</td>`;
    const sel = m.selected && m.selected.from === p.from && m.selected.to === p.to;
    return html`<td
      class="cell ${p.allowed ? "allow" : "deny"}${sel ? " selected" : ""}"
      data-from=${p.from}
      data-to=${p.to}
      data-port=${p.port === null ? "" : String(p.port)}
      data-protocol=${p.protocol}
      data-allowed=${String(p.allowed)}
      title="${p.from} → ${p.to}: ${p.allowed ? "allowed" : "denied"}"
      @click=${() => m.onCell(p)}
    >${p.allowed ? "✓" : "✕"}</td>`;
  };
  return html`<table class="matrix">
    <thead>
      <tr>
        <th class="corner" rowspan="2">from ↓ &nbsp; to →</th>
        ${columns.map(([g, ws]) => html`<th class="col-group" colspan=${ws.length}>${g}</th>`)}
      </tr>
      <tr>
        ${cols.map((c) => html`<th class="col"><span>${c.id}</span></th>`)}
      </tr>
    </thead>
    <tbody>
      ${spacer(first)}
      ${lines.slice(first, last).map((l) =>
        "group" in l
          ? html`<tr class="group-row">
              <th colspan=${cols.length + 1}>
                <button class="toggle" aria-expanded=${String(!m.collapsed.has(l.group))} @click=${() => m.onToggle(l.group)}>
                  ${m.collapsed.has(l.group) ? "▸" : "▾"} ${l.group} (${l.size})
                </button>
              </th>
            </tr>`
          : html`<tr>
              <th class="row">${l.row.id}</th>
              ${cols.map((c) => cell(l.row, c))}
            </tr>`,
      )}
      ${spacer(lines.length - last)}
    </tbody>
  </table>`;
}
