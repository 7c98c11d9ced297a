// The web view's entry (bundled by esbuild into dist/ui/index.js): login, the three views, and the live
// link to the server. One state object; every change calls draw(), which renders it with lit (which puts
// every string from the API into the page as text, never as HTML). The watch stream (GET /v1/watch) says
// when the stored model moved; the page then reloads what it shows. Nodes are polled: their reports are
// not in the watch.
import "./zod-config.js";
import { html, nothing, render } from "lit";
import { ApiError, apiCall, followWatch, forgetToken, storedToken, storeToken } from "./api.js";
import { groupWorkloads, matrixTable, probeKey, ROW_PX, type GroupBy, type MatrixProbe } from "./matrix-view.js";
import { nodesTable, type NodeRow } from "./nodes-view.js";
import { policiesTable } from "./policies-view.js";
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
    await loadSnapshot();
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
  draw();
  if (!state.snap) return;
  if (state.route.view === "matrix") await loadMatrix();
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

function draw() {
  if (!storedToken()) return render(loginView(), root);
  const snap = state.snap;
  const v = state.route.view;
  const tab = (name: typeof v, label: string) => html`<a class=${v === name ? "tab current" : "tab"} href=${name === "matrix" ? routeHash("matrix", { port: currentPort() }) : routeHash(name)}>${label}</a>`;
  render(
    html`<header>
        <span class="brand">moat</span>
        <nav>${tab("matrix", "Matrix")} ${tab("nodes", "Nodes")} ${tab("policies", "Policies")}</nav>
        <span class="status">${snap ? html`revision <b class="revision">${snap.revision}</b>` : "loading…"} · <span class="live ${state.live}">${state.live}</span></span>
        <button class="logout" @click=${() => logout()}>Log out</button>
      </header>
      ${state.error ? html`<p class="error" role="alert">${state.error}</p>` : nothing}
      <main>
        ${!snap
          ? nothing
          : v === "matrix"
            ? matrixView(snap)
            : v === "nodes"
              ? state.nodes
                ? nodesTable(state.nodes.items, snap.revision)
                : html`<p class="hint">loading nodes…</p>`
              : policiesTable(snap.policies, state.route.params.get("name"))}
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
