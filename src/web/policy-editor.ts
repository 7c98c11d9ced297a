// An admin's editor of one policy's YAML: a textarea, saved through POST /v1/apply as the CLI saves a file
// (the server validates it against the whole model and stores it whole, or nothing). A refused save shows
// the text that was sent, numbered, each issue under its line (the server's `line`, or the line a syntax
// error names), and the issues without a line after it. A forbidden save says so. All of it as text.
import { html, nothing, type TemplateResult } from "lit";
import { stringify } from "yaml";
import { ApiError } from "./api.js";
import type { Resource } from "./resources.js";

export interface EditIssue {
  line?: number;
  where: string;
  message: string;
}

export interface EditState {
  id: string;
  text: string;
  saving?: boolean;
  /** The text of the last refused save, which the issues' lines are about. */
  sent?: string;
  issues?: EditIssue[];
  error?: string;
}

export interface EditorActions {
  input: (text: string) => void;
  save: () => void;
  cancel: () => void;
}

/** The YAML an admin starts from: the stored object without its resourceVersion (the server sets it). */
export function editableYaml(r: Resource): string {
  const metadata = { ...r.metadata };
  delete metadata.resourceVersion;
  return stringify({ apiVersion: r.apiVersion, kind: r.kind, metadata, spec: r.spec });
}

interface WireIssue {
  path?: (string | number)[];
  message?: string;
  file?: string;
  resource?: string;
  line?: number;
}

const pathText = (path: (string | number)[] = []) => path.map((p, i) => (typeof p === "number" ? `[${p}]` : i ? `.${p}` : p)).join("");

/** What a failed save tells the user: the issues at their lines, or one message. */
export function saveFailure(e: unknown): Pick<EditState, "issues" | "error"> {
  if (!(e instanceof ApiError)) return { error: `Could not save: ${e instanceof Error ? e.message : String(e)}` };
  if (e.status === 403) return { error: `Forbidden: the server refused to store this (${e.message}). Only an admin token may change policies; nothing was stored.` };
  const body = e.body as { issues?: WireIssue[] } | undefined;
  if (e.status === 422 && Array.isArray(body?.issues)) {
    return {
      issues: body.issues.map((i) => ({
        ...(typeof i.line === "number" ? { line: i.line } : {}),
        where: [i.file === "body" ? undefined : i.file, i.resource, pathText(i.path)].filter(Boolean).join(": "),
        message: String(i.message ?? ""),
      })),
    };
  }
  if (e.status === 400) {
    const line = /\bline (\d+)/.exec(e.message);
    return { issues: [{ ...(line ? { line: Number(line[1]) } : {}), where: "", message: e.message }] };
  }
  return { error: `Could not save (HTTP ${e.status}): ${e.message}` };
}

const issueText = (i: EditIssue) => (i.where ? `${i.where}: ${i.message}` : i.message);

function numbered(sent: string, issues: EditIssue[]): TemplateResult {
  const lines = sent.replace(/\n$/, "").split("\n");
  const at = (n: number) => issues.filter((i) => i.line === n);
  return html`<ol class="yaml-lines">
    ${lines.map((text, k) => {
      const here = at(k + 1);
      return html`<li data-line=${k + 1} class=${here.length ? "has-issue" : ""}><code>${text || " "}</code>${here.map((i) => html`<div class="issue" role="alert">${issueText(i)}</div>`)}</li>`;
    })}
  </ol>`;
}

export function policyEditor(e: EditState, act: EditorActions): TemplateResult {
  const lineless = (e.issues ?? []).filter((i) => i.line === undefined || i.line > (e.sent ?? "").split("\n").length);
  return html`<form class="policy-editor" @submit=${(ev: Event) => (ev.preventDefault(), act.save())}>
    <label for="policy-yaml">YAML of policy ${e.id}: saved as <code>moat apply</code> saves a file (validated whole, stored whole or not at all)</label>
    <textarea id="policy-yaml" name="yaml" rows=${Math.min(30, Math.max(8, e.text.split("\n").length + 1))} spellcheck="false" autocomplete="off" .value=${e.text} @input=${(ev: Event) => act.input((ev.target as HTMLTextAreaElement).value)}></textarea>
    <div class="editor-actions">
      <button type="submit" class="save" ?disabled=${e.saving}>${e.saving ? "Saving…" : "Save"}</button>
      <button type="button" class="cancel" @click=${act.cancel}>Cancel</button>
    </div>
    ${e.error ? html`<p class="error edit-error" role="alert">${e.error}</p>` : nothing}
    ${e.issues
      ? html`<p class="error edit-error" role="alert">${e.issues.length} issue${e.issues.length === 1 ? "" : "s"}: nothing was stored.</p>
          ${numbered(e.sent ?? "", e.issues)}
          ${lineless.length ? html`<ul class="other-issues">${lineless.map((i) => html`<li class="issue">${issueText(i)}</li>`)}</ul>` : nothing}`
      : nothing}
  </form>`;
}
