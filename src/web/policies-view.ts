// The policies in evaluation order with their selectors and how many workloads each selects; one of them
// opened shows its YAML. Read-only.
import { html, nothing, type TemplateResult } from "lit";
import { stringify } from "yaml";
import type { UiPolicy } from "./resources.js";
import { routeHash } from "./route.js";

export function policiesTable(policies: UiPolicy[], open: string | null): TemplateResult {
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
      ? html`<h3>${shown.id}</h3>
          <pre class="yaml">${stringify({ apiVersion: shown.resource.apiVersion, kind: shown.resource.kind, metadata: shown.resource.metadata, spec: shown.resource.spec })}</pre>`
      : open
        ? html`<p class="error">no policy ${open}</p>`
        : nothing}`;
}
