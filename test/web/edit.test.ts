// Editing a policy in the web view, in a real browser against a real `moat server` holding the DC/OS
// example: an admin's invalid edit shows every issue at its line and stores nothing; a valid one is
// stored and the matrix follows; a viewer has no editor, and a save forced with a viewer's token is
// refused as forbidden with nothing changed; hostile text in the YAML and in the issues stays text.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, example, VIEWER, webSession, type WebSession } from "./session.js";

const NAME = "hr-to-it-http";
const XSS = "<img src=x onerror=alert(1)>";

let s: WebSession;
let admin: Page;

/** A policy's YAML as the lines an admin would type. */
const policy = (lines: string[]) => `${lines.join("\n")}\n`;
const head = ["apiVersion: moat.dev/v1", "kind: Policy", "metadata:", `  name: ${NAME}`, "spec:", "  order: 100"];

const stored = async () => {
  const r = await s.api(`/v1/policies/${NAME}`);
  expect(r.status).toBe(200);
  return JSON.stringify({ ...r.body, metadata: { ...r.body.metadata, resourceVersion: undefined } });
};

/** A fresh editor on the stored policy (an editor left open keeps its text: cancel it first). */
async function openEditor(page: Page) {
  await page.goto(`${s.server.url}/ui/#/policies?name=${NAME}`);
  await page.waitForSelector("h3 button.edit, form.policy-editor button.cancel");
  if (await page.$("form.policy-editor button.cancel")) await page.click("form.policy-editor button.cancel");
  await page.click("h3 button.edit");
  await page.waitForSelector("textarea[name=yaml]");
}

async function save(page: Page, text: string) {
  await page.fill("textarea[name=yaml]", text);
  await page.click("form.policy-editor button.save");
}

const issueLines = (page: Page) => page.$$eval("ol.yaml-lines li.has-issue", (lis) => lis.map((li) => [Number(li.getAttribute("data-line")), [...li.querySelectorAll(".issue")].map((d) => d.textContent!)] as const));

beforeAll(async () => {
  s = await webSession();
  const r = await s.api("/v1/apply", { body: example("dcos-overlays.yaml"), type: "application/yaml" });
  expect(r.status, r.text).toBe(200);
  admin = await s.loggedIn(ADMIN);
});
afterAll(async () => {
  await admin?.close();
  await s?.close();
});

describe("web view: editing a policy", () => {
  it("starts an admin from the stored YAML, without its resourceVersion", async () => {
    await openEditor(admin);
    const yaml = await admin.inputValue("textarea[name=yaml]");
    expect(yaml).toContain(`name: ${NAME}`);
    expect(yaml).toContain("kind: Policy");
    expect(yaml).not.toContain("resourceVersion");
  });

  it("shows every issue of an invalid edit at its line, and stores nothing", async () => {
    const before = [await s.revision(), await stored()];
    const bad = policy([...head, "  selector: moat.dev/network ==", "  types: [Ingress]", "  ingress:", "    - action: Allow", "      protocol: TCP", "      ports: [99999]", "      from: {networks: [nowhere]}", "    - action: Pass"]);
    await openEditor(admin);
    await save(admin, bad);
    await admin.waitForSelector("ol.yaml-lines li.has-issue");
    const got = await issueLines(admin);
    // The same three issues as `moat validate` of this text, each under its line.
    expect(got.map(([line]) => line)).toEqual([7, 12, 13]);
    expect(got[0]![1].join(" ")).toMatch(/spec\.selector: selector "moat.dev\/network ==" has a syntax error at column 20/);
    expect(got[1]![1].join(" ")).toMatch(/spec\.ingress\[0\]\.ports\[0\]: port 99999 is outside 1\.\.65535/);
    expect(got[2]![1].join(" ")).toMatch(/spec\.ingress\[0\]\.from\.networks\[0\]: network "nowhere" does not exist/);
    // The numbered text is the text that was sent, line for line.
    expect(await admin.$$eval("ol.yaml-lines li > code", (cs) => cs.map((c) => c.textContent))).toEqual(bad.trimEnd().split("\n"));
    expect(await admin.textContent(".edit-error")).toContain("3 issues: nothing was stored");
    expect([await s.revision(), await stored()]).toEqual(before);
    // The editor keeps the text, to be fixed.
    expect(await admin.inputValue("textarea[name=yaml]")).toBe(bad);
    await admin.screenshot({ path: "/tmp/moat-web-edit-issues.png" });
  });

  it("shows a syntax error at the line the server names, and stores nothing", async () => {
    const before = await s.revision();
    const broken = policy([...head, "  selector: all()", "   types: [Ingress]"]);
    await openEditor(admin);
    await save(admin, broken);
    await admin.waitForSelector("ol.yaml-lines li.has-issue");
    const got = await issueLines(admin);
    // The parser stops where the mapping on line 7 runs on into the over-indented line 8, and says so.
    expect(got.map(([line]) => line)).toEqual([7]);
    expect(got[0]![1].join(" ")).toMatch(/not valid YAML or JSON: .* at line 7, column 13/);
    expect(await s.revision()).toBe(before);
  });

  it("stores a valid edit, says so, and the matrix follows", async () => {
    await admin.goto(`${s.server.url}/ui/#/matrix?port=8080/TCP`);
    await admin.waitForSelector('td[data-from="hr-1"][data-to="it-1"][data-allowed="false"]');
    const before = await s.revision();
    await openEditor(admin);
    const yaml = await admin.inputValue("textarea[name=yaml]");
    // HR may now reach IT on 8080 too.
    const edited = yaml.replace(/ports:\n(\s+)- 80\n/, (_m, indent: string) => `ports:\n${indent}- 80\n${indent}- 8080\n`);
    expect(edited).not.toBe(yaml);
    await save(admin, edited);
    await expect.poll(() => admin.textContent(".saved"), { timeout: 5000 }).toContain(`Policy/${NAME} configured`);
    expect(await s.revision()).toBe(before + 1);
    expect((await s.api(`/v1/policies/${NAME}`)).body.spec.ingress[0].ports).toEqual([80, 8080]);
    expect(await admin.$$("textarea[name=yaml]")).toHaveLength(0);
    await admin.goto(`${s.server.url}/ui/#/matrix?port=8080/TCP`);
    await admin.waitForSelector('td[data-from="hr-1"][data-to="it-1"][data-allowed="true"]', { timeout: 5000 });
    expect(await admin.getAttribute('td[data-from="it-1"][data-to="hr-1"]', "data-allowed")).toBe("false");
  });

  it("gives a viewer the policies read-only: no editor, and a save forced with a viewer token is forbidden and changes nothing", async () => {
    const viewer = await s.loggedIn(VIEWER);
    await viewer.goto(`${s.server.url}/ui/#/policies?name=${NAME}`);
    await viewer.waitForSelector("pre.yaml");
    expect(await viewer.$$("button.edit")).toHaveLength(0);
    expect(await viewer.$$("textarea")).toHaveLength(0);
    const before = [await s.revision(), await stored()];
    // The API from the viewer's page, as a script in it would call it.
    const direct = await viewer.evaluate(async (body) => {
      const r = await fetch("/v1/apply", { method: "POST", headers: { authorization: `Bearer ${sessionStorage.getItem("moat-token")}`, "content-type": "application/yaml" }, body });
      return [r.status, await r.text()] as const;
    }, policy([...head, "  selector: all()", "  ingress: [{action: Allow}]"]));
    expect(direct[0]).toBe(403);
    expect(direct[1]).toContain("role viewer");
    await viewer.close();

    // The page's own save, with the token swapped for a viewer's under an open editor.
    await openEditor(admin);
    await admin.evaluate((t) => sessionStorage.setItem("moat-token", t), VIEWER);
    await save(admin, policy([...head, "  selector: all()", "  ingress: [{action: Allow}]"]));
    await expect.poll(() => admin.textContent(".edit-error"), { timeout: 5000 }).toMatch(/^Forbidden: .*role viewer.*nothing was stored/);
    expect([await s.revision(), await stored()]).toEqual(before);
    await admin.evaluate((t) => sessionStorage.setItem("moat-token", t), ADMIN);
  });

  it("keeps hostile text as text: in the YAML, in the server's issues and in the stored policy", async () => {
    await openEditor(admin);
    const hostile = policy([...head, `  selector: note == '${XSS}'`, `  types: ['${XSS}']`, "  ingress: [{action: Allow}]"]);
    await save(admin, hostile);
    await admin.waitForSelector("ol.yaml-lines li.has-issue");
    const got = await issueLines(admin);
    expect(got.map(([line]) => line)).toEqual([8]);
    expect(got[0]![1].join(" ")).toContain(XSS);
    expect(await admin.textContent('ol.yaml-lines li[data-line="7"] code')).toBe(`  selector: note == '${XSS}'`);
    expect(await admin.$$eval("img", (imgs) => imgs.length)).toBe(0);

    await save(admin, policy([...head, `  selector: note == '${XSS}' || moat.dev/network == "it"`, "  types: [Ingress]", "  ingress: [{action: Allow, protocol: TCP, ports: [80], from: {networks: [hr]}}, {action: Pass}]"]));
    await expect.poll(() => admin.textContent(".saved"), { timeout: 5000 }).toContain(`Policy/${NAME} configured`);
    await expect.poll(() => admin.textContent(`tr[data-policy="${NAME}"] code`)).toBe(`note == '${XSS}' || moat.dev/network == "it"`);
    expect(await admin.textContent("pre.yaml")).toContain(XSS);
    expect(await admin.$$eval("img", (imgs) => imgs.length)).toBe(0);
    expect(s.dialogs).toEqual([]);
  });

  it("ran every page above without a CSP violation", () => {
    expect(s.violations).toEqual([]);
  });
});
