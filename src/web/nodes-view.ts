// Each node: the revision it applied, its lag behind the store, whether its Plan is the one expected,
// when it last reported and its last error (GET /v1/nodes, polled while the view is open).
import { html, type TemplateResult } from "lit";

/** The server's own row type: the page shows exactly what GET /v1/nodes answers. */
export type { NodeRow } from "../server/index.js";
import type { NodeRow } from "../server/index.js";

function ago(iso: string | null, now: number): string {
  if (!iso) return "never";
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return s < 90 ? `${s} s ago` : s < 5400 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
}

export function nodesTable(rows: NodeRow[], storeRevision: number, now = Date.now()): TemplateResult {
  return html`<table class="nodes">
    <thead>
      <tr><th>node</th><th>applied revision</th><th>lag</th><th>in sync</th><th>backend</th><th>last report</th><th>last error</th></tr>
    </thead>
    <tbody>
      ${rows.map(
        (n) => html`<tr data-node=${n.node} class=${n.error ? "has-error" : n.inSync ? "in-sync" : "behind"}>
          <td>${n.node}</td>
          <td>${n.revision ?? "none"}</td>
          <td>${n.lag ?? "–"}</td>
          <td>${n.inSync ? "✓ yes" : "✕ no"}</td>
          <td>${n.backend ?? ""}</td>
          <td title=${n.reportedAt ?? ""}>${ago(n.reportedAt, now)}</td>
          <td class="error-text">${n.error ?? ""}</td>
        </tr>`,
      )}
    </tbody>
  </table>
  <p class="hint">store revision ${storeRevision}; ${rows.length} node${rows.length === 1 ? "" : "s"}</p>`;
}
