// The web view in a real browser: Debian's chromium (playwright-core) against a real `moat server`
// process on loopback holding each example. The matrix cells must say what `moat matrix -o json` says,
// a denied cell's why panel names what decided, a policy written through the API appears in the open
// page, user strings render as text, and the page runs under its CSP without a violation.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http, MOAT, removeDir, ROOT, startServer, type ServerProcess } from "../support/server-process.js";
import { launchChromium, type TestBrowser } from "./browser.js";

const ADMIN = "web-admin-token-0123456789abcdef";
const VIEWER = "web-viewer-token-0123456789abcdef";
const EXAMPLES = readdirSync(join(ROOT, "examples")).filter((f) => f.endsWith(".yaml")).sort();
const DOCS = join(ROOT, "docs");

interface Cell {
  from: string;
  to: string;
  port: string;
  protocol: string;
  allowed: string;
}

let server: ServerProcess;
let browser: TestBrowser;
let dir: string;
const violations: string[] = [];
const dialogs: string[] = [];
let current: string | undefined;

const api = (path: string, init: Parameters<typeof http>[2] = {}) => http(server.url, path, { token: ADMIN, ...init });

function cliMatrix(file: string): { from: string; to: string; port: number | null; protocol: string; allowed: boolean; reason: string }[] {
  return JSON.parse(execFileSync(process.execPath, [MOAT, "matrix", "-f", file, "-o", "json"], { encoding: "utf8", maxBuffer: 1 << 28 })).probes;
}

/** Stores one example as the server's whole model (the one before it deleted). */
async function hold(example: string) {
  if (current === example) return;
  if (current) expect((await api("/v1/delete", { body: readFileSync(join(ROOT, "examples", current), "utf8"), type: "application/yaml" })).status).toBe(200);
  const r = await api("/v1/apply", { body: readFileSync(join(ROOT, "examples", example), "utf8"), type: "application/yaml" });
  expect(r.status, r.text).toBe(200);
  current = example;
}

async function newPage(): Promise<Page> {
  const page = await browser.context.newPage();
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => console.error(`Refused to: CSP ${e.violatedDirective} ${e.blockedURI}`));
  });
  return page;
}

async function loggedIn(token = ADMIN): Promise<Page> {
  const page = await newPage();
  await page.goto(`${server.url}/ui/`);
  await page.fill("input[name=token]", token);
  await page.click("form.login button[type=submit]");
  await page.waitForSelector("header .revision");
  return page;
}

const cellsOf = (page: Page) =>
  page.$$eval("td[data-allowed]", (tds) =>
    tds.map((td) => ({ from: td.getAttribute("data-from")!, to: td.getAttribute("data-to")!, port: td.getAttribute("data-port")!, protocol: td.getAttribute("data-protocol")!, allowed: td.getAttribute("data-allowed")! })),
  );

beforeAll(async () => {
  if (!readdirSync(join(ROOT, "dist")).includes("ui")) throw new Error("dist/ui is missing: run npm run build (it bundles src/web)");
  dir = mkdtempSync(join(tmpdir(), "moat-web-test-"));
  writeFileSync(join(dir, "tokens.yaml"), `- {name: ops, role: admin, token: ${ADMIN}}\n- {name: eve, role: viewer, token: ${VIEWER}}\n`);
  server = await startServer(["--tokens", join(dir, "tokens.yaml")]);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (server) removeDir(server.dataDir);
  if (dir) removeDir(dir);
});

describe("web view: served", () => {
  it("serves /ui/ without a token, with a CSP that allows no inline script, nosniff and frame denial", async () => {
    for (const path of ["/ui/", "/ui/index.js", "/ui/styles.css", "/ui/nothing.js"]) {
      const r = await http(server.url, path);
      expect(r.status, path).toBe(path.includes("nothing") ? 404 : 200);
      const csp = r.headers.get("content-security-policy") ?? "";
      expect(csp, path).toContain("script-src 'self'");
      expect(csp).not.toContain("unsafe-inline");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(r.headers.get("x-content-type-options")).toBe("nosniff");
      expect(r.headers.get("x-frame-options")).toBe("DENY");
    }
    const shell = (await http(server.url, "/ui/")).text;
    expect(shell).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const bare = await fetch(`${server.url}/ui`, { redirect: "manual" });
    expect([bare.status, bare.headers.get("location")]).toEqual([301, "/ui/"]);
    expect((await http(server.url, "/ui/..%2Fmoat.db")).status).toBe(404);
    expect((await http(server.url, "/ui/..%2F..%2Fpackage.json")).status).toBe(404);
  });
});

describe("web view: login", () => {
  it("says a wrong token is wrong and keeps nothing; a right one is kept in sessionStorage under moat-token", async () => {
    const page = await newPage();
    await page.goto(`${server.url}/ui/`);
    await page.fill("input[name=token]", "not-a-token");
    await page.click("form.login button[type=submit]");
    await expect.poll(() => page.textContent("form.login .error")).toContain("Wrong token");
    expect(await page.evaluate(() => sessionStorage.getItem("moat-token"))).toBeNull();
    await page.fill("input[name=token]", VIEWER);
    await page.click("form.login button[type=submit]");
    await page.waitForSelector("header .revision");
    expect(await page.evaluate(() => sessionStorage.getItem("moat-token"))).toBe(VIEWER);
    expect(page.url()).not.toContain(VIEWER);
    await page.close();
  });
});

describe("web view: the matrix equals moat matrix -o json", () => {
  for (const example of EXAMPLES) {
    it(`${example}: every cell on every declared port`, async () => {
      await hold(example);
      const cli = cliMatrix(join(ROOT, "examples", example));
      const ports = [...new Set(cli.map((p) => `${p.port}/${p.protocol}`))];
      const page = await loggedIn(VIEWER);
      for (const port of ports) {
        const want = cli.filter((p) => `${p.port}/${p.protocol}` === port);
        await page.goto(`${server.url}/ui/#/matrix?port=${port}`);
        await expect.poll(async () => (await cellsOf(page)).filter((c) => `${c.port}/${c.protocol}` === port).length, { timeout: 10_000 }).toBe(want.length);
        const got = (await cellsOf(page)).map((c) => `${c.from} ${c.to} ${c.port}/${c.protocol} ${c.allowed}`).sort();
        expect(got).toEqual(want.map((p) => `${p.from} ${p.to} ${p.port}/${p.protocol} ${p.allowed}`).sort());
        // Some cell of each kind where the CLI has one: the test would pass on an empty grid otherwise.
        expect(got.length).toBeGreaterThan(0);
        const attrs = await page.$eval("td[data-allowed]", (td) => td.getAttributeNames().filter((n) => n.startsWith("data-")).sort());
        expect(attrs).toEqual(["data-allowed", "data-from", "data-port", "data-protocol", "data-to"]);
      }
      await page.close();
    });
  }
});

describe("web view: DC/OS", () => {
  let page: Page;
  beforeAll(async () => {
    await hold("dcos-overlays.yaml");
    page = await loggedIn();
  });
  afterAll(async () => page?.close());

  it("shows the deciding reason of a denied cell, and the deciding rule of an allowed one highlighted; screenshots to docs/", async () => {
    await page.goto(`${server.url}/ui/#/matrix?port=80/TCP`);
    // A fresh load of the address, logged in (the token is in sessionStorage): its time to the first matrix.
    const t0 = Date.now();
    await page.reload();
    await page.waitForSelector('td[data-from="hr-1"][data-to="it-1"]');
    const [firstRender, fetchMs] = await page.evaluate(() => [Number(document.body.dataset.matrixRenderedAt), Number(document.body.dataset.matrixFetchMs)]);
    console.log(`[web] DC/OS matrix: first render ${firstRender} ms after navigation start, of which POST /v1/matrix ${fetchMs} ms (${Date.now() - t0} ms wall from reload)`);
    mkdirSync(DOCS, { recursive: true });
    await page.screenshot({ path: join(DOCS, "web-matrix.png") });

    const cli = cliMatrix(join(ROOT, "examples", "dcos-overlays.yaml"));
    const denied = cli.find((p) => p.from === "it-1" && p.to === "hr-1" && p.port === 80)!;
    expect(denied.allowed).toBe(false);
    await page.click('td[data-from="it-1"][data-to="hr-1"][data-port="80"]');
    await expect.poll(() => page.textContent(".why .reason")).toBe(denied.reason);
    await expect.poll(() => page.textContent(".why .stages li.deciding")).toContain("ingress of hr-1: denied: no policy applies, so network hr's default decides (isolation network)");

    await page.click('td[data-from="hr-1"][data-to="it-1"][data-port="80"]');
    await page.waitForSelector(".why .yaml-rule.decided");
    expect(await page.getAttribute(".why .yaml-rule.decided", "data-rule")).toBe("ingress/0");
    expect(await page.textContent(".why .yaml-rule.decided")).toContain("action: Allow");
    expect(await page.textContent(".why .stages li.deciding")).toContain("policy hr-to-it-http, ingress rule 0 (Allow)");
    expect(await page.getAttribute(".why h3 a", "href")).toBe("#/policies?name=hr-to-it-http");
    await page.screenshot({ path: join(DOCS, "web-why.png") });
  });

  it("filters by a label selector and shows a syntax error with its column", async () => {
    await page.goto(`${server.url}/ui/#/matrix?port=80/TCP`);
    await page.fill("input[name=filter]", 'dept == "it"');
    await expect.poll(async () => new Set((await cellsOf(page)).map((c) => c.from))).toEqual(new Set(["it-1", "it-2"]));
    await page.fill("input[name=filter]", "dept ==");
    await expect.poll(() => page.textContent(".filter-error")).toMatch(/column \d+/);
    await page.fill("input[name=filter]", "");
    await expect.poll(async () => (await cellsOf(page)).length).toBe(16);
  });

  it("collapses a group", async () => {
    await page.goto(`${server.url}/ui/#/matrix?port=80/TCP`);
    await page.click("button.toggle >> text=network hr");
    await expect.poll(async () => (await cellsOf(page)).length).toBe(4);
    await page.click("button.toggle >> text=network hr");
    await expect.poll(async () => (await cellsOf(page)).length).toBe(16);
  });

  it("shows a policy written through the API in the open page within 2 s, and its effect on the matrix", async () => {
    await page.goto(`${server.url}/ui/#/policies`);
    await page.waitForSelector('tr[data-policy="hr-to-it-http"]');
    const policy = "apiVersion: moat.dev/v1\nkind: Policy\nmetadata: {name: web-test-it-to-hr}\nspec:\n  order: 50\n  selector: moat.dev/network == \"hr\"\n  ingress:\n    - {action: Allow, protocol: TCP, ports: [80], from: {networks: [it]}}\n";
    const t0 = Date.now();
    expect((await api("/v1/apply", { body: policy, type: "application/yaml" })).status).toBe(200);
    await page.waitForSelector('tr[data-policy="web-test-it-to-hr"]', { timeout: 2000 });
    console.log(`[web] a policy applied through the API showed in the open page after ${Date.now() - t0} ms`);
    expect(await page.$$eval("tr[data-policy]", (rows) => rows.map((r) => r.getAttribute("data-policy")))).toEqual(["web-test-it-to-hr", "hr-to-it-http"]);
    expect(await page.textContent('tr[data-policy="web-test-it-to-hr"]')).toContain("2 workloads");

    await page.goto(`${server.url}/ui/#/matrix?port=80/TCP`);
    await page.waitForSelector('td[data-from="it-1"][data-to="hr-1"][data-allowed="true"]');
    expect((await api("/v1/policies/web-test-it-to-hr", { method: "DELETE" })).status).toBe(200);
    await page.waitForSelector('td[data-from="it-1"][data-to="hr-1"][data-allowed="false"]', { timeout: 2000 });
  });

  it("shows the nodes live: a status report through the API appears without a reload", async () => {
    await page.goto(`${server.url}/ui/#/nodes`);
    await page.waitForSelector('tr[data-node="agent-1"]');
    expect(await page.textContent('tr[data-node="agent-1"]')).toContain("never");
    const rev = (await api("/healthz")).body.revision as number;
    const r = await api("/v1/nodes/agent-1/status", { method: "PUT", body: JSON.stringify({ revision: rev, planHash: "0", error: "iptables-restore: line 3 failed" }) });
    expect(r.status, r.text).toBe(200);
    await expect.poll(() => page.textContent('tr[data-node="agent-1"]'), { timeout: 2000 }).toContain("iptables-restore: line 3 failed");
    expect(await page.textContent('tr[data-node="agent-1"]')).toMatch(/\d+ s ago/);
  });

  it("renders hostile text as text: a selector's label value, a node's error, a typed filter", async () => {
    // Label values on workloads are refused by validation; a selector's value and a node's error are free text.
    const xss = "<img src=x onerror=alert(1)>";
    const policy = `apiVersion: moat.dev/v1\nkind: Policy\nmetadata: {name: web-test-xss}\nspec:\n  order: 10\n  selector: note == '${xss}'\n  ingress: [{action: Allow}]\n`;
    const r = await api("/v1/apply", { body: policy, type: "application/yaml" });
    expect(r.status, r.text).toBe(200);
    const rev = (await api("/healthz")).body.revision as number;
    expect((await api("/v1/nodes/agent-2/status", { method: "PUT", body: JSON.stringify({ revision: rev, planHash: "0", error: xss }) })).status).toBe(200);
    await page.goto(`${server.url}/ui/#/policies?name=web-test-xss`);
    await expect.poll(() => page.textContent('tr[data-policy="web-test-xss"] code')).toBe(`note == '${xss}'`);
    expect(await page.textContent("pre.yaml")).toContain(xss);
    await page.goto(`${server.url}/ui/#/nodes`);
    await expect.poll(() => page.textContent('tr[data-node="agent-2"] .error-text')).toBe(xss);
    await page.goto(`${server.url}/ui/#/matrix?port=80/TCP`);
    await page.fill("input[name=filter]", `note == "${xss}" &&`);
    await expect.poll(() => page.textContent(".filter-error")).toMatch(/column \d+/);
    expect(await page.$$eval("img", (imgs) => imgs.length)).toBe(0);
    expect(dialogs).toEqual([]);
    expect((await api("/v1/policies/web-test-xss", { method: "DELETE" })).status).toBe(200);
  });
});

describe("web view: 500 workloads", () => {
  it("renders the first rows of a 500 x 500 matrix, virtualised, and the cells agree with moat matrix -o json", async () => {
    const file = join(dir, "five-hundred.yaml");
    const docs: string[] = [];
    for (let n = 0; n < 5; n++) {
      docs.push(`apiVersion: moat.dev/v1\nkind: Network\nmetadata: {name: net${n}}\nspec: {subnets: [10.${100 + n}.0.0/16], isolation: network}\n`);
      for (let i = 0; i < 100; i++) docs.push(`apiVersion: moat.dev/v1\nkind: Workload\nmetadata: {name: w${n}-${i}, labels: {tier: t${i % 3}}}\nspec: {node: agent-${n}, network: net${n}, ips: [10.${100 + n}.0.${i + 2}], ports: [{name: http, port: 80}]}\n`);
    }
    docs.push(`apiVersion: moat.dev/v1\nkind: Policy\nmetadata: {name: t0-from-anywhere}\nspec: {order: 10, selector: tier == "t0", ingress: [{action: Allow, protocol: TCP, ports: [80]}]}\n`);
    writeFileSync(file, docs.join("---\n"));
    if (current) expect((await api("/v1/delete", { body: readFileSync(join(ROOT, "examples", current), "utf8"), type: "application/yaml" })).status).toBe(200);
    current = undefined;
    expect((await api("/v1/apply", { body: readFileSync(file, "utf8"), type: "application/yaml" })).status).toBe(200);
    const cli = new Map(cliMatrix(file).map((p) => [`${p.from} ${p.to}`, String(p.allowed)]));
    expect(cli.size).toBe(250_000);

    const page = await loggedIn(VIEWER);
    await page.goto(`${server.url}/ui/#/matrix?port=80/TCP`);
    await page.waitForSelector('td[data-from="w0-0"][data-to="w4-99"]', { timeout: 60_000 });
    await page.reload();
    await page.waitForSelector('td[data-from="w0-0"][data-to="w4-99"]', { timeout: 60_000 });
    const [firstRender, fetchMs] = await page.evaluate(() => [Number(document.body.dataset.matrixRenderedAt), Number(document.body.dataset.matrixFetchMs)]);
    console.log(`[web] 500 workloads (250,000 cells on 80/TCP): first render ${firstRender} ms after navigation start, of which POST /v1/matrix (54 MB) ${fetchMs} ms`);
    const check = async () => {
      const cells = await cellsOf(page);
      expect(cells.length).toBeGreaterThan(0);
      expect(cells.length).toBeLessThan(250_000 / 2);
      expect(cells.filter((c) => c.allowed !== cli.get(`${c.from} ${c.to}`)).map((c) => `${c.from} ${c.to} ${c.allowed}`)).toEqual([]);
      return cells.length;
    };
    const inDom = await check();
    await page.$eval(".matrix-scroll", (el) => el.scrollTo(0, el.scrollHeight));
    await page.waitForSelector('td[data-from="w4-99"][data-to="w0-0"]', { timeout: 10_000 });
    await check();
    console.log(`[web] 500 workloads: ${inDom} of 250,000 cells in the DOM at a time`);
    await page.close();
  }, 240_000);
});

describe("web view: under its CSP", () => {
  it("ran every page above without a CSP violation", () => {
    expect(violations).toEqual([]);
  });
});
