// The policies in evaluation order with their selectors and how many workloads each selects; one of them
// opened shows its YAML. Read-only for viewers; an admin gets an Edit button on the opened one.
import { html, nothing, type TemplateResult } from "lit";
import { stringify } from "yaml";
import { policyEditor, type EditorActions, type EditState } from "./policy-editor.js";
import type { UiPolicy } from "./resources.js";
import { routeHash } from "./route.js";

export interface PolicyEditing {
  /** Whether the token's role may write (GET /v1/whoami said admin). */
  canEdit: boolean;
  edit?: EditState;
  /** What the last save stored. */
  saved?: string;
  onEdit: (p: UiPolicy) => void;
  actions: EditorActions;
}

export function policiesTable(policies: UiPolicy[], open: string | null, editing?: PolicyEditing): TemplateResult {
  const shown = open ? policies.find((p) => p.id === open) : undefined;
  return html`<table class="policies">
      <thead>
        <tr><th>#</th><th>order</th><th>policy</th><th>selector</th><th>types</th><th>selects</th></tr>
      </thead>
      <tbody>
        ${policies.map(
          (p, i) => html`<tr data-policy=${p.id} class=${p.id === open ? "open" : ""}>
            <td>${i + 1}</td>
            <td>${p.order ?? "–"}</td>
            <td><a href=${routeHash("policies", { name: p.id })}>${p.id}</a></td>
            <td><code>${p.selector}</code></td>
            <td>${((p.resource.spec as { types?: string[] }).types ?? []).join(", ")}</td>
            <td>${p.selects} workload${p.selects === 1 ? "" : "s"}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    ${policies.length ? nothing : html`<p class="hint">no policies stored</p>`}
    ${shown
      ? html`<h3>${shown.id}
            ${editing?.canEdit && editing.edit?.id !== shown.id ? html`<button class="edit" @click=${() => editing.onEdit(shown)}>Edit</button>` : nothing}
          </h3>
          ${editing?.edit?.id === shown.id
            ? policyEditor(editing.edit, editing.actions)
            : html`${editing?.saved ? html`<p class="saved" role="status">${editing.saved}</p>` : nothing}
                <pre class="yaml">${stringify({ apiVersion: shown.resource.apiVersion, kind: shown.resource.kind, metadata: shown.resource.metadata, spec: shown.resource.spec })}</pre>`}`
      : open
        ? html`<p class="error">no policy ${open}</p>`
        : nothing}`;
}
