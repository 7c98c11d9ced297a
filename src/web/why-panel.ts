// Why a cell is what it is: the verdict's reason, each stage and what decided it (a policy's rule, the
// Pass that left it to the network default, or the default itself), and the deciding policy's YAML with
// the rule highlighted. Everything from the API is shown as text.
import { html, nothing, type TemplateResult } from "lit";
import { stringify } from "yaml";
import type { MatrixProbe } from "./matrix-view.js";
import type { Resource } from "./resources.js";
import { routeHash } from "./route.js";

export type Cause =
  | { kind: "rule"; policy: string; rule: number; action: string }
  | { kind: "pass"; policy: string; rule: number }
  | { kind: "undecided"; policies: string[] }
  | { kind: "no-policy" }
  | { kind: "not-a-workload" };

export interface StageResult {
  stage: "egress" | "ingress";
  workload?: string;
  allowed: boolean;
  cause: Cause;
  network?: string;
  isolation?: string;
}

export interface CheckAnswer {
  allowed: boolean;
  reason: string;
  stages: StageResult[];
}

export interface WhyInput {
  probe: MatrixProbe;
  check?: CheckAnswer;
  error?: string;
  policies: Resource[];
  /** A workload's own labels (not the pseudo-labels), by its name as the CLI writes it. */
  labelsOf: (id: string) => Record<string, string> | undefined;
  onClose: () => void;
}

/** The stage that decided: the first that denied, else the last. */
export function decidingStage(stages: StageResult[]): StageResult | undefined {
  return stages.find((s) => !s.allowed) ?? stages[stages.length - 1];
}

function causeText(s: StageResult): string {
  const c = s.cause;
  const dflt = s.network ? ` so network ${s.network}'s default decides (isolation ${s.isolation ?? "?"})` : "";
  switch (c.kind) {
    case "rule":
      return `policy ${c.policy}, ${s.stage} rule ${c.rule} (${c.action})`;
    case "pass":
      return `policy ${c.policy}, ${s.stage} rule ${c.rule} (Pass),${dflt}`;
    case "undecided":
      return `policies ${c.policies.join(", ")} matched no rule: the default deny of selected workloads`;
    case "no-policy":
      return `no policy applies,${dflt || " so the default decides"}`;
    case "not-a-workload":
      return "not a workload: the network default";
  }
}

/** A policy's YAML in blocks, the deciding rule's block marked. */
function policyYaml(p: Resource, stage: string, rule: number): TemplateResult {
  const { ingress, egress, ...rest } = p.spec as { ingress?: unknown[]; egress?: unknown[] };
  const meta = { ...p.metadata };
  delete meta.resourceVersion;
  const head = stringify({ apiVersion: p.apiVersion, kind: p.kind, metadata: meta, spec: rest }).trimEnd();
  const section = (name: string, rules: unknown[] | undefined) =>
    rules?.length
      ? html`<span class="yaml-line">  ${name}:</span>${rules.map((r, i) => {
          const text = stringify([r])
            .trimEnd()
            .split("\n")
            .map((l) => `    ${l}`)
            .join("\n");
          const hit = name === stage && i === rule;
          return html`<span class="yaml-rule${hit ? " decided" : ""}" data-rule=${`${name}/${i}`}>${text}</span>`;
        })}`
      : nothing;
  return html`<pre class="yaml"><span>${head}</span>
${section("ingress", ingress)}${section("egress", egress)}</pre>`;
}

export function whyPanel(w: WhyInput): TemplateResult {
  const p = w.probe;
  const deciding = w.check ? decidingStage(w.check.stages) : undefined;
  const cause = deciding?.cause;
  const policyName = cause && (cause.kind === "rule" || cause.kind === "pass") ? cause.policy : undefined;
  const policy = policyName ? w.policies.find((r) => (r.metadata.namespace ? `${r.metadata.namespace}/${r.metadata.name}` : r.metadata.name) === policyName || r.metadata.name === policyName) : undefined;
  return html`<aside class="why" aria-label="why">
    <button class="close" title="close" @click=${w.onClose}>×</button>
    <h2>
      <span class="verdict ${p.allowed ? "allow" : "deny"}">${p.allowed ? "✓ allowed" : "✕ denied"}</span>
      ${p.from} → ${p.to} on ${p.port === null ? p.protocol : `${p.port}/${p.protocol}`}
    </h2>
    <p class="reason">${p.reason}</p>
    <dl class="labels">
      ${[p.from, p.to].map((id) => {
        const labels = Object.entries(w.labelsOf(id) ?? {}).filter(([k]) => !k.startsWith("moat.dev/"));
        return html`<dt>${id}</dt>
          <dd>${labels.length ? labels.map(([k, v]) => html`<code class="label">${k}=${v}</code> `) : "no labels"}</dd>`;
      })}
    </dl>
    ${w.error ? html`<p class="error">${w.error}</p>` : nothing}
    ${w.check
      ? html`<h3>Stages</h3>
          <ol class="stages">
            ${w.check.stages.map(
              (s) => html`<li class=${s === deciding ? "deciding" : ""}>
                <b>${s.stage}</b>${s.workload ? html` of ${s.workload}` : nothing}: ${s.allowed ? "allowed" : "denied"}: ${causeText(s)}${s === deciding ? html` <em>(decided)</em>` : nothing}
              </li>`,
            )}
            ${w.check.stages.length ? nothing : html`<li>no stage: a workload talking to itself</li>`}
          </ol>`
      : w.error
        ? nothing
        : html`<p>checking…</p>`}
    ${policy && cause && (cause.kind === "rule" || cause.kind === "pass")
      ? html`<h3>Policy <a href=${routeHash("policies", { name: policyName })}>${policyName}</a>, ${deciding!.stage} rule ${cause.rule} highlighted</h3>
          ${policyYaml(policy, deciding!.stage, cause.rule)}`
      : nothing}
  </aside>`;
}
