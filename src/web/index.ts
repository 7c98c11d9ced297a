// The web view's entry (bundled by esbuild into dist/ui/index.js): login, the four views, and the live
// link to the server. One state object; every change calls draw(), which renders it with lit (which puts
// every string from the API into the page as text, never as HTML). The watch stream (GET /v1/watch) says
// when the stored model moved; the page then reloads what it shows. Nodes are polled: their reports are
// not in the watch.
import "./zod-config.js";
import { html, nothing, render } from "lit";
import { ApiError, apiCall, followWatch, forgetToken, storedToken, storeToken } from "./api.js";
import { groupWorkloads, matrixTable, probeKey, ROW_PX, type GroupBy, type MatrixProbe } from "./matrix-view.js";
import { graphContent, type GraphContent } from "./graph-edges.js";
import type { GraphLayout } from "./graph-layout.js";
import { downloadSvg, graphFileName, graphSvg, textWidth } from "./graph-view.js";
import { nodesTable, type NodeRow } from "./nodes-view.js";
import { policiesTable } from "./policies-view.js";
import { editableYaml, saveFailure, type EditState } from "./policy-editor.js";
import { declaredPortList, parsePortText, selectorFilter, snapshotOf, type Resource, type Snapshot } from "./resources.js";
import { parseRoute, routeHash, type Route } from "./route.js";
import { whyPanel, type CheckAnswer } from "./why-panel.js";

interface State {
  loginError?: string;
  snap?: Snapshot;
  error?: string;
  route: Route;
  matrix?: { port: string; revision: number; probes: Map<string, MatrixProbe>; error?: string };
  matrixLoading?: string;
  why?: { probe: MatrixProbe; check?: CheckAnswer; error?: string };
  nodes?: { revision: number; items: NodeRow[] };
  /** The graph for a port ("" for every declared port), grouping and revision (its key). */
  /** `stale`: the picture of an earlier revision, kept on screen while the new one is laid out. */
  graph?: { key: string; port: string; revision: number; content?: GraphContent; layout?: GraphLayout; error?: string; tooDense?: boolean; stale?: boolean };
  /** The token's role (GET /v1/whoami): only an admin is offered the policy editor. */
  role?: string;
  edit?: EditState;
  saved?: string;
  groupBy: GroupBy;
  collapsed: Set<string>;
  filter: string;
  scrollTop: number;
  rowPx: number;
  live: "connecting" | "live" | "reconnecting";
}

const root = document.getElementById("app")!;
root.textContent = "";
const state: State = { route: parseRoute(location.hash), groupBy: "network", collapsed: new Set(), filter: "", scrollTop: 0, rowPx: ROW_PX, live: "connecting" };
let watchAbort: AbortController | undefined;
let nodesTimer: ReturnType<typeof setInterval> | undefined;

function fail(e: unknown) {
  if (e instanceof ApiError && e.status === 401) return logout(`The server refused the token: ${e.message}. Type a valid token.`);
  state.error = e instanceof Error ? e.message : String(e);
  draw();
}

function logout(message?: string) {
  forgetToken();
  watchAbort?.abort();
  if (nodesTimer) clearInterval(nodesTimer);
  state.snap = undefined;
  state.matrix = undefined;
  state.loginError = message;
  draw();
}

async function login(token: string) {
  try {
    await apiCall("/v1/resources", { token });
  } catch (e) {
    state.loginError =
      e instanceof ApiError && e.status === 401
        ? `Wrong token: the server says "${e.message}". Use a token from the server's --tokens file or DIR/admin.token.`
        : `Could not log in: ${e instanceof Error ? e.message : String(e)}`;
    return draw();
  }
  storeToken(token);
  state.loginError = undefined;
  await start();
}

async function loadSnapshot() {
  const r = await apiCall<{ revision: number; items: Resource[] }>("/v1/resources");
  state.snap = snapshotOf(r.revision, r.items);
}

function currentPort(): string | undefined {
  const asked = state.route.params.get("port");
  if (asked) return asked;
  return state.snap ? declaredPortList(state.snap.workloads)[0] : undefined;
}

async function loadMatrix(force = false) {
  const port = currentPort();
  if (!port || !state.snap) return;
  if (!force && state.matrix?.port === port && state.matrix.revision === state.snap.revision) return;
  const parsed = parsePortText(port);
  if (!parsed.ok) {
    state.matrix = { port, revision: state.snap.revision, probes: new Map(), error: parsed.message };
    return draw();
  }
  state.matrixLoading = port;
  draw();
  try {
    const asked = performance.now();
    const { probes } = await apiCall<{ probes: MatrixProbe[] }>("/v1/matrix", { body: { ports: [{ protocol: parsed.protocol, ...(parsed.port ? { port: parsed.port } : {}) }] } });
    document.body.dataset.matrixFetchMs = String(Math.round(performance.now() - asked));
    state.matrix = { port, revision: state.snap.revision, probes: new Map(probes.map((p) => [probeKey(p.from, p.to), p])) };
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return fail(e);
    state.matrix = { port, revision: state.snap.revision, probes: new Map(), error: e instanceof Error ? e.message : String(e) };
  }
  state.matrixLoading = undefined;
  draw();
  if (!document.body.dataset.matrixRenderedAt) document.body.dataset.matrixRenderedAt = String(Math.round(performance.now()));
}

async function loadNodes() {
  try {
    state.nodes = await apiCall<{ revision: number; items: NodeRow[] }>("/v1/nodes");
    draw();
  } catch (e) {
    fail(e);
  }
}

async function loadGraph(dense = false) {
  const snap = state.snap;
  if (!snap) return;
  const port = state.route.params.get("port") ?? "";
  const key = JSON.stringify([port, state.groupBy, snap.revision]);
  if (state.graph?.key === key && !(dense && state.graph.tooDense)) return;
  const parsed = port ? parsePortText(port) : undefined;
  if (parsed && !parsed.ok) {
    state.graph = { key, port, revision: snap.revision, error: parsed.message };
    return draw();
  }
  // Keep the picture while the store moves under it: blanking it on every write made it flicker.
  const before = state.graph;
  const keep = before?.layout && JSON.stringify(JSON.parse(before.key).slice(0, 2)) === JSON.stringify([port, state.groupBy]);
  state.graph = keep ? { ...before, key, stale: true } : { key, port, revision: snap.revision };
  draw();
  try {
    const asked = performance.now();
    // No port: every port the workloads declare, as `moat matrix` without --port.
    const ports = parsed?.ok ? [{ protocol: parsed.protocol, ...(parsed.port ? { port: parsed.port } : {}) }] : [];
    const { probes } = await apiCall<{ probes: MatrixProbe[] }>("/v1/matrix", { body: { ports } });
    const content = graphContent(snap.workloads, probes, state.groupBy);
    const { ASK_ABOVE_EDGES, layoutGraph } = await import("./graph-layout.js");
    if (content.edges.length > ASK_ABOVE_EDGES && !dense) {
      if (state.graph?.key === key) state.graph = { key, port, revision: snap.revision, content, tooDense: true };
      return draw();
    }
    const laid = performance.now();
    const layout = await layoutGraph(content, textWidth);
    document.body.dataset.graphLayoutMs = String(Math.round(performance.now() - laid));
    document.body.dataset.graphMs = String(Math.round(performance.now() - asked));
    if (state.graph?.key === key) state.graph = { key, port, revision: snap.revision, content, layout };
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return fail(e);
    if (state.graph?.key === key) state.graph = { key, port, revision: snap.revision, error: e instanceof Error ? e.message : String(e) };
  }
  draw();
}

async function loadRole() {
  try {
    state.role = (await apiCall<{ role: string }>("/v1/whoami")).role;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) throw e;
    // An older server without whoami: read-only, which is always safe.
    state.role = undefined;
  }
}

async function savePolicy() {
  const edit = state.edit;
  if (!edit || edit.saving) return;
  const sent = edit.text;
  state.edit = { ...edit, saving: true };
  draw();
  try {
    const r = await apiCall<{ revision: number; created: string[]; updated: string[]; unchanged: string[] }>("/v1/apply", { yaml: sent });
    const said = [...r.created.map((n) => `${n} created`), ...r.updated.map((n) => `${n} configured`), ...r.unchanged.map((n) => `${n} unchanged`)];
    state.edit = undefined;
    state.saved = `Saved: ${said.join(", ")}; revision ${r.revision}.`;
    await refresh();
  } catch (e) {
    if (state.edit?.text === sent) state.edit = { id: edit.id, text: sent, sent, ...saveFailure(e) };
    else if (state.edit) state.edit = { ...state.edit, saving: false };
  }
  draw();
}

async function why(probe: MatrixProbe) {
  state.why = { probe };
  draw();
  try {
    const check = await apiCall<CheckAnswer>("/v1/check", { body: { from: probe.from, to: probe.to, protocol: probe.protocol, ...(probe.port !== null ? { port: probe.port } : {}) } });
    if (state.why?.probe === probe) state.why = { probe, check };
  } catch (e) {
    if (state.why?.probe === probe) state.why = { probe, error: e instanceof Error ? e.message : String(e) };
  }
  draw();
}

/** Reload what the page shows after the store moved. */
async function refresh() {
  try {
    await loadSnapshot();
    draw();
    if (state.route.view === "matrix") await loadMatrix();
    if (state.route.view === "graph") await loadGraph();
    if (state.route.view === "nodes") await loadNodes();
  } catch (e) {
    fail(e);
  }
}

let refreshTimer: ReturnType<typeof setTimeout> | undefined;
function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => void refresh(), 100);
}

function follow() {
  watchAbort?.abort();
  const abort = new AbortController();
  watchAbort = abort;
  const since = state.snap?.revision ?? 0;
  state.live = "live";
  followWatch(
    since,
    (e) => {
      if (e.type !== "BOOKMARK" && e.revision > (state.snap?.revision ?? 0)) refreshSoon();
    },
    abort.signal,
  )
    .catch((e: unknown) => {
      if (abort.signal.aborted) return;
      if (e instanceof ApiError && e.status === 401) return fail(e);
    })
    .finally(() => {
      if (abort.signal.aborted) return;
      state.live = "reconnecting";
      draw();
      // 410 (compacted) or a broken stream: reload, then follow from the new revision.
      setTimeout(() => void refresh().then(() => !abort.signal.aborted && follow()), 1000);
    });
}

async function start() {
  try {
    await Promise.all([loadSnapshot(), loadRole()]);
  } catch (e) {
    return fail(e);
  }
  draw();
  follow();
  if (nodesTimer) clearInterval(nodesTimer);
  nodesTimer = setInterval(() => state.route.view === "nodes" && void loadNodes(), 1000);
  await onRoute();
}

async function onRoute() {
  state.route = parseRoute(location.hash);
  state.error = undefined;
  state.saved = undefined;
  draw();
  if (!state.snap) return;
  if (state.route.view === "matrix") await loadMatrix();
  if (state.route.view === "graph") await loadGraph();
  if (state.route.view === "nodes") await loadNodes();
}

function goPort(text: string) {
  location.hash = routeHash("matrix", { port: text.trim() });
}

function loginView() {
  const submit = (ev: Event) => {
    ev.preventDefault();
    const input = (ev.target as HTMLFormElement).elements.namedItem("token") as HTMLInputElement;
    if (!input.value.trim()) {
      state.loginError = "Type a token first.";
      return draw();
    }
    void login(input.value.trim());
  };
  return html`<form class="login" @submit=${submit}>
    <h1>moat</h1>
    <label>Token <input name="token" type="password" autocomplete="off" autofocus /></label>
    <button type="submit">Log in</button>
    ${state.loginError ? html`<p class="error" role="alert">${state.loginError}</p>` : nothing}
    <p class="hint">The token stays in this tab's session storage; it is sent only in the Authorization header.</p>
  </form>`;
}

function matrixView(snap: Snapshot) {
  const port = currentPort();
  const ports = declaredPortList(snap.workloads);
  if (port && !ports.includes(port)) ports.push(port);
  const filter = selectorFilter(state.filter);
  const shown = filter.ok ? snap.workloads.filter(filter.test) : snap.workloads;
  const m = state.matrix && state.matrix.port === port ? state.matrix : undefined;
  const onScroll = (ev: Event) => {
    state.scrollTop = (ev.target as HTMLElement).scrollTop;
    requestAnimationFrame(draw);
  };
  return html`<div class="toolbar">
      <label>Port
        <select @change=${(e: Event) => goPort((e.target as HTMLSelectElement).value)}>
          ${ports.map((p) => html`<option .selected=${p === port} value=${p}>${p}</option>`)}
        </select>
      </label>
      <form class="port-form" @submit=${(e: Event) => {
        e.preventDefault();
        goPort(((e.target as HTMLFormElement).elements.namedItem("port") as HTMLInputElement).value);
      }}><input name="port" placeholder="other port, e.g. 8080/TCP" size="18" /></form>
      <label>Group by
        <select @change=${(e: Event) => ((state.groupBy = (e.target as HTMLSelectElement).value as GroupBy), (state.collapsed = new Set()), draw())}>
          <option value="network" .selected=${state.groupBy === "network"}>network</option>
          <option value="namespace" .selected=${state.groupBy === "namespace"}>namespace</option>
        </select>
      </label>
      <label class="filter">Filter
        <input name="filter" placeholder='selector, e.g. dept == "it"' .value=${state.filter} @input=${(e: Event) => ((state.filter = (e.target as HTMLInputElement).value), draw())} />
      </label>
      <span class="legend"><span class="cell allow">✓</span> allowed <span class="cell deny">✕</span> denied</span>
    </div>
    ${filter.ok ? nothing : html`<p class="error filter-error" role="alert">selector, column ${filter.column}: ${filter.message}</p>`}
    ${!port ? html`<p class="hint">No workload declares a port: type one above.</p>` : nothing}
    ${m?.error ? html`<p class="error">${m.error}</p>` : nothing}
    ${state.matrixLoading ? html`<p class="hint">computing the matrix for ${state.matrixLoading}…</p>` : nothing}
    <div class="matrix-area">
      <div class="matrix-scroll" @scroll=${onScroll}>
        ${m && !m.error
          ? matrixTable({
              workloads: shown,
              probes: m.probes,
              groupBy: state.groupBy,
              collapsed: state.collapsed,
              ...(state.why ? { selected: state.why.probe } : {}),
              scrollTop: state.scrollTop,
              rowPx: state.rowPx,
              viewportHeight: window.innerHeight,
              onCell: (p) => void why(p),
              onToggle: (g) => (state.collapsed.has(g) ? state.collapsed.delete(g) : state.collapsed.add(g), draw()),
            })
          : nothing}
      </div>
      ${state.why
        ? whyPanel({ ...state.why, policies: snap.resources.filter((r) => r.kind === "Policy"), labelsOf: (id) => snap.workloads.find((x) => x.id === id)?.labels, onClose: () => ((state.why = undefined), draw()) })
        : nothing}
    </div>
    <p class="hint">${shown.length} of ${snap.workloads.length} workloads in ${groupWorkloads(shown, state.groupBy).length} groups</p>`;
}

function graphView(snap: Snapshot) {
  const g = state.graph;
  const port = state.route.params.get("port") ?? "";
  const ports = declaredPortList(snap.workloads);
  if (port && !ports.includes(port)) ports.push(port);
  const revision = g?.revision ?? snap.revision;
  const title = `moat: allowed traffic between ${state.groupBy === "network" ? "networks" : "namespaces"} on ${port || "every declared port"} (revision ${revision})`;
  const download = () => {
    const el = root.querySelector<SVGSVGElement>("svg.graph");
    if (el) downloadSvg(el, graphFileName(port, state.groupBy, revision));
  };
  return html`<div class="toolbar">
      <label>Port
        <select @change=${(e: Event) => (location.hash = routeHash("graph", { port: (e.target as HTMLSelectElement).value }))}>
          <option value="" .selected=${!port}>every declared port</option>
          ${ports.map((p) => html`<option .selected=${p === port} value=${p}>${p}</option>`)}
        </select>
      </label>
      <label>Nodes are
        <select @change=${(e: Event) => ((state.groupBy = (e.target as HTMLSelectElement).value as GroupBy), (state.collapsed = new Set()), void loadGraph())}>
          <option value="network" .selected=${state.groupBy === "network"}>networks</option>
          <option value="namespace" .selected=${state.groupBy === "namespace"}>namespaces</option>
        </select>
      </label>
      <button class="download" ?disabled=${!g?.layout || g.stale} @click=${download}>Download SVG</button>
      <span class="legend">an arrow: new connections allowed from workloads of one group to another's (a loop: within one), on the ports it names</span>
    </div>
    ${g?.error ? html`<p class="error">${g.error}</p>` : nothing}
    ${g?.tooDense && g.content
      ? html`<p class="hint">
          ${g.content.edges.length} edges between ${g.content.groups.length} groups: too dense to read as a picture, and seconds to lay out. Pick one port above, or
          <button class="layout-anyway" @click=${() => void loadGraph(true)}>lay it out anyway</button>
          (offline: <code>moat matrix -o dot</code> for Graphviz).
        </p>`
      : g && !g.layout && !g.error
        ? html`<p class="hint">laying out the graph…</p>`
        : g?.stale
          ? html`<p class="hint updating">revision ${snap.revision}: laying out the graph again (this picture is revision ${g.revision})…</p>`
          : nothing}
    ${g?.layout ? html`<div class="graph-scroll">${graphSvg(g.layout, title)}</div>` : nothing}
    ${g?.content ? html`<p class="hint">${g.content.groups.length} groups, ${g.content.edges.length} edges with allowed traffic</p>` : nothing}`;
}

function policiesView(snap: Snapshot) {
  const open = state.route.params.get("name");
  return policiesTable(snap.policies, open, {
    canEdit: state.role === "admin",
    ...(state.edit ? { edit: state.edit } : {}),
    ...(state.saved ? { saved: state.saved } : {}),
    onEdit: (p) => ((state.saved = undefined), (state.edit = { id: p.id, text: editableYaml(p.resource) }), draw()),
    actions: {
      input: (text) => state.edit && (state.edit.text = text),
      save: () => void savePolicy(),
      cancel: () => ((state.edit = undefined), draw()),
    },
  });
}

function draw() {
  if (!storedToken()) return render(loginView(), root);
  const snap = state.snap;
  const v = state.route.view;
  const tab = (name: typeof v, label: string) => html`<a class=${v === name ? "tab current" : "tab"} href=${name === "matrix" ? routeHash("matrix", { port: currentPort() }) : routeHash(name)}>${label}</a>`;
  render(
    html`<header>
        <span class="brand">moat</span>
        <nav>${tab("matrix", "Matrix")} ${tab("graph", "Graph")} ${tab("nodes", "Nodes")} ${tab("policies", "Policies")}</nav>
        <span class="status">${snap ? html`revision <b class="revision">${snap.revision}</b>` : "loading…"} · <span class="live ${state.live}">${state.live}</span></span>
        <button class="logout" @click=${() => logout()}>Log out</button>
      </header>
      ${state.error ? html`<p class="error" role="alert">${state.error}</p>` : nothing}
      <main>
        ${!snap
          ? nothing
          : v === "matrix"
            ? matrixView(snap)
            : v === "graph"
              ? graphView(snap)
            : v === "nodes"
              ? state.nodes
                ? nodesTable(state.nodes.items, snap.revision)
                : html`<p class="hint">loading nodes…</p>`
              : policiesView(snap)}
      </main>`,
    root,
  );
  // Virtual rows are as tall as the real ones, or the scroll height would change under the user's scroll.
  const row = root.querySelector("table.matrix tbody tr:not(.spacer):not(.group-row)");
  const px = row?.getBoundingClientRect().height;
  if (px && Math.abs(px - state.rowPx) > 0.01) {
    state.rowPx = px;
    requestAnimationFrame(draw);
  }
}

window.addEventListener("hashchange", () => void onRoute());
if (storedToken()) void start();
else draw();
