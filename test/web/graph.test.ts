// The web view's graph in a real browser against a real `moat server` holding the DC/OS example: its edges
// are the pairs of networks with allowed traffic in `moat matrix -o json`, labelled with exactly those
// ports; ELK's layout puts each edge between its two nodes; the SVG download is the drawn picture as a
// parseable file; hostile text never becomes markup; and the page (ELK included) runs under its CSP.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MOAT, ROOT } from "../support/server-process.js";
import { DOCS, example, VIEWER, webSession, type WebSession } from "./session.js";

const DCOS = join(ROOT, "examples", "dcos-overlays.yaml");

let s: WebSession;
let page: Page;

interface Edge {
  from: string;
  to: string;
  ports: string;
  label: string;
}

const cliCache = new Map<string, string[]>();

/** The CLI's matrix as the graph must show it: network pairs with some allowed traffic, and on which ports. */
function cliEdges(port?: string): string[] {
  const key = port ?? "";
  if (!cliCache.has(key)) cliCache.set(key, cliEdgesOnce(port));
  return cliCache.get(key)!;
}

function cliEdgesOnce(port?: string): string[] {
  const networks = new Map<string, string>();
  for (const d of parseAllDocuments(readFileSync(DCOS, "utf8"))) {
    const o = d.toJS() as { kind: string; metadata: { name: string }; spec: { network?: string } };
    if (o.kind === "Workload") networks.set(o.metadata.name, o.spec.network!);
  }
  const args = ["matrix", "-f", DCOS, "-o", "json", ...(port ? ["--port", port.toLowerCase()] : [])];
  const probes = JSON.parse(execFileSync(process.execPath, [MOAT, ...args], { encoding: "utf8" })).probes as { from: string; to: string; port: number; protocol: string; allowed: boolean }[];
  const pairs = new Map<string, Set<string>>();
  for (const p of probes) {
    if (!p.allowed || p.from === p.to) continue;
    const key = `network ${networks.get(p.from)} -> network ${networks.get(p.to)}`;
    pairs.set(key, (pairs.get(key) ?? new Set()).add(`${p.port}/${p.protocol}`));
  }
  return [...pairs].map(([k, ports]) => `${k} [${[...ports].sort((a, b) => parseInt(a) - parseInt(b)).join(", ")}]`).sort();
}

const edgesOf = (p: Page): Promise<Edge[]> =>
  p.$$eval("svg.graph g.edge", (gs) => gs.map((g) => ({ from: g.getAttribute("data-from")!, to: g.getAttribute("data-to")!, ports: g.getAttribute("data-ports")!, label: g.querySelector("text")!.textContent! })));
const shown = (edges: Edge[]) => edges.map((e) => `${e.from} -> ${e.to} [${e.label}]`).sort();

beforeAll(async () => {
  s = await webSession();
  const r = await s.api("/v1/apply", { body: example("dcos-overlays.yaml"), type: "application/yaml" });
  expect(r.status, r.text).toBe(200);
  page = await s.loggedIn(VIEWER);
});
afterAll(async () => {
  await page?.close();
  await s?.close();
});

describe("web view: graph", () => {
  it("DC/OS: an edge for each pair of networks with allowed traffic in moat matrix -o json, labelled with its ports", async () => {
    const all = cliEdges();
    // The example's point: HR reaches IT on 80 only, IT never reaches HR; each network reaches itself.
    expect(all).toEqual(["network hr -> network hr [80/TCP, 8080/TCP]", "network hr -> network it [80/TCP]", "network it -> network it [80/TCP, 8080/TCP]"]);
    const t0 = Date.now();
    await page.goto(`${s.server.url}/ui/#/graph`);
    await expect.poll(async () => shown(await edgesOf(page)), { timeout: 15_000 }).toEqual(all);
    const [layoutMs, graphMs] = await page.evaluate(() => [Number(document.body.dataset.graphLayoutMs), Number(document.body.dataset.graphMs)]);
    console.log(`[web] DC/OS graph: ELK layout ${layoutMs} ms, matrix + layout ${graphMs} ms, ${Date.now() - t0} ms from navigation (ELK loaded on first use)`);
    for (const e of await edgesOf(page)) expect(e.ports).toBe(e.label.replace(/, /g, ","));

    for (const port of ["80/TCP", "8080/TCP"]) {
      await page.goto(`${s.server.url}/ui/#/graph?port=${port}`);
      await expect.poll(async () => shown(await edgesOf(page)), { timeout: 10_000 }).toEqual(cliEdges(port));
    }
    expect(cliEdges("8080/TCP")).toEqual(["network hr -> network hr [8080/TCP]", "network it -> network it [8080/TCP]"]);
    console.log(`[web] DC/OS graph, ELK loaded: layout ${await page.evaluate(() => document.body.dataset.graphLayoutMs)} ms`);
  });

  it("lays the graph out: nodes apart, each edge from its source's box to its target's, labels inside the picture", async () => {
    await page.goto(`${s.server.url}/ui/#/graph?port=80/TCP`);
    await page.waitForSelector("svg.graph g.edge");
    const geo = await page.evaluate(() => {
      // Plain numbers: an SVGRect's fields are getters, which do not cross into the test.
      const box = (el: Element) => {
        const r = (el as SVGGraphicsElement).getBBox();
        return { x: r.x, y: r.y, width: r.width, height: r.height };
      };
      const svg = document.querySelector("svg.graph") as SVGSVGElement;
      const nodes = Object.fromEntries([...svg.querySelectorAll("g.node")].map((g) => [g.getAttribute("data-group")!, box(g.querySelector("rect")!)]));
      const edges = [...svg.querySelectorAll("g.edge")].map((g) => {
        const path = g.querySelector("path") as SVGPathElement;
        const len = path.getTotalLength();
        const a = path.getPointAtLength(0);
        const b = path.getPointAtLength(len);
        return { from: g.getAttribute("data-from")!, to: g.getAttribute("data-to")!, start: { x: a.x, y: a.y }, end: { x: b.x, y: b.y }, label: box(g.querySelector("text")!) };
      });
      return { nodes, edges, width: svg.viewBox.baseVal.width, height: svg.viewBox.baseVal.height };
    });
    const near = (p: { x: number; y: number }, r: { x: number; y: number; width: number; height: number }) => p.x >= r.x - 12 && p.x <= r.x + r.width + 12 && p.y >= r.y - 12 && p.y <= r.y + r.height + 12;
    const [a, b] = Object.values(geo.nodes);
    expect(a!.x + a!.width <= b!.x || b!.x + b!.width <= a!.x || a!.y + a!.height <= b!.y || b!.y + b!.height <= a!.y).toBe(true);
    expect(geo.edges.length).toBe(3);
    for (const e of geo.edges) {
      expect(near(e.start, geo.nodes[e.from]!), `${e.from} -> ${e.to} starts at its source`).toBe(true);
      expect(near(e.end, geo.nodes[e.to]!), `${e.from} -> ${e.to} ends at its target`).toBe(true);
      expect(e.label.x >= 0 && e.label.y >= 0 && e.label.x + e.label.width <= geo.width && e.label.y + e.label.height <= geo.height).toBe(true);
    }
    mkdirSync(DOCS, { recursive: true });
    await page.goto(`${s.server.url}/ui/#/graph`);
    await expect.poll(async () => (await edgesOf(page)).length, { timeout: 10_000 }).toBe(3);
    await page.screenshot({ path: join(DOCS, "web-graph.png") });
  });

  it("downloads the drawn graph as an SVG file named for its port, which parses and holds the same edges", async () => {
    await page.goto(`${s.server.url}/ui/#/graph?port=80/TCP`);
    await page.waitForSelector("svg.graph g.edge");
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("button.download")]);
    const rev = await s.revision();
    expect(download.suggestedFilename()).toBe(`moat-graph-80-TCP-network-r${rev}.svg`);
    const text = readFileSync((await download.path())!, "utf8");
    expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg')).toBe(true);
    expect(text).not.toMatch(/<!--|<script|style=|on[a-z]+=/i);
    const parsed = await page.evaluate((t) => {
      const doc = new DOMParser().parseFromString(t, "image/svg+xml");
      const root = doc.documentElement;
      return {
        error: doc.getElementsByTagName("parsererror").length,
        ns: root.namespaceURI,
        name: root.localName,
        tags: [...new Set([...root.querySelectorAll("*")].map((e) => e.localName))].sort(),
        edges: [...root.querySelectorAll("g.edge")].map((g) => `${g.getAttribute("data-from")} -> ${g.getAttribute("data-to")} [${g.querySelector("text")!.textContent}]`).sort(),
      };
    }, text);
    expect(parsed).toMatchObject({ error: 0, ns: "http://www.w3.org/2000/svg", name: "svg" });
    expect(parsed.tags).toEqual(["defs", "g", "marker", "path", "rect", "text", "title"]);
    expect(parsed.edges).toEqual(cliEdges("80/TCP"));
  });

  it("renders hostile text as text: markup in names is refused by the API, and a stored policy's markup never reaches the graph as markup", async () => {
    const xss = "<img src=x onerror=alert(1)>";
    const named = await s.api("/v1/apply", { body: `apiVersion: moat.dev/v1\nkind: Network\nmetadata: {name: "${xss}"}\nspec: {subnets: [10.77.0.0/16]}\n`, type: "application/yaml" });
    expect(named.status).toBe(422);
    const policy = `apiVersion: moat.dev/v1\nkind: Policy\nmetadata: {name: graph-xss}\nspec:\n  order: 5\n  selector: note == '${xss}' || dept == "it"\n  ingress: [{action: Allow, protocol: TCP, ports: [8080], from: {selector: 'x != "${xss}"'}}]\n`;
    const r = await s.api("/v1/apply", { body: policy, type: "application/yaml" });
    expect(r.status, r.text).toBe(200);
    await page.goto(`${s.server.url}/ui/#/graph?port=8080/TCP`);
    // The policy opens IT to everyone on 8080: HR -> IT appears.
    await expect.poll(async () => shown(await edgesOf(page)), { timeout: 10_000 }).toContain("network hr -> network it [8080/TCP]");
    expect(await page.$$eval("svg.graph *", (els) => [...new Set(els.map((e) => e.localName))].sort())).toEqual(["defs", "g", "marker", "path", "rect", "text", "title"]);
    expect(await page.$$eval("img", (imgs) => imgs.length)).toBe(0);
    await page.goto(`${s.server.url}/ui/#/policies?name=graph-xss`);
    await expect.poll(() => page.textContent('tr[data-policy="graph-xss"] code')).toContain(xss);
    expect(await page.$$eval("img", (imgs) => imgs.length)).toBe(0);
    expect(s.dialogs).toEqual([]);
    expect((await s.api("/v1/policies/graph-xss", { method: "DELETE" })).status).toBe(200);
  });

  it("keeps the picture on screen while the store moves, and shows the new revision's edges when laid out again", async () => {
    await page.goto(`${s.server.url}/ui/#/graph?port=8080/TCP`);
    await expect.poll(async () => shown(await edgesOf(page)), { timeout: 10_000 }).toEqual(cliEdges("8080/TCP"));
    await page.evaluate(() => {
      const w = window as unknown as { graphGone: number };
      w.graphGone = 0;
      new MutationObserver(() => void (document.querySelector("svg.graph") || w.graphGone++)).observe(document.body, { childList: true, subtree: true });
    });
    const policy = `apiVersion: moat.dev/v1\nkind: Policy\nmetadata: {name: graph-open-it}\nspec:\n  order: 5\n  selector: dept == "it"\n  ingress: [{action: Allow, protocol: TCP, ports: [8080]}]\n`;
    expect((await s.api("/v1/apply", { body: policy, type: "application/yaml" })).status).toBe(200);
    await expect.poll(async () => shown(await edgesOf(page)), { timeout: 10_000 }).toContain("network hr -> network it [8080/TCP]");
    expect(shown(await edgesOf(page))).toEqual(expect.arrayContaining(cliEdges("8080/TCP")));
    expect(await page.evaluate(() => (window as unknown as { graphGone: number }).graphGone)).toBe(0);
    expect((await s.api("/v1/policies/graph-open-it", { method: "DELETE" })).status).toBe(200);
  });

  it("asks before laying out a graph too dense to read (25 open networks: over 300 edges)", async () => {
    const docs: string[] = [];
    for (let n = 0; n < 25; n++) {
      docs.push(`apiVersion: moat.dev/v1\nkind: Network\nmetadata: {name: open${n}}\nspec: {subnets: [10.${60 + n}.0.0/16]}\n`);
      docs.push(`apiVersion: moat.dev/v1\nkind: Workload\nmetadata: {name: w${n}}\nspec: {node: agent-1, network: open${n}, ips: [10.${60 + n}.0.2]}\n`);
    }
    const text = docs.join("---\n");
    expect((await s.api("/v1/apply", { body: text, type: "application/yaml" })).status).toBe(200);
    await page.goto(`${s.server.url}/ui/#/graph?port=80/TCP`);
    await expect.poll(() => page.textContent("main"), { timeout: 15_000 }).toMatch(/\d+ edges between 27 groups: too dense/);
    const edges = Number(/(\d+) edges between/.exec((await page.textContent("main"))!)![1]);
    // open to open 25 x 24, hr and it to each open one 2 x 25, and DC/OS's own 3 (a loop needs two members).
    expect(edges).toBe(25 * 24 + 2 * 25 + 3);
    expect(await page.$$("svg.graph")).toHaveLength(0);
    expect(await page.$$("button.layout-anyway")).toHaveLength(1);
    expect((await s.api("/v1/delete", { body: text, type: "application/yaml" })).status).toBe(200);
  });

  it("ran every page above without a CSP violation (ELK needs no eval and no worker)", () => {
    expect(s.violations).toEqual([]);
  });
});
