// One real `moat server` (an admin and a viewer token) and one chromium for a test file of the web view,
// with pages that record CSP violations and dialogs (an alert() from injected markup would be one).
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { http, removeDir, ROOT, startServer, type ServerProcess } from "../support/server-process.js";
import { launchChromium, type TestBrowser } from "./browser.js";

export const ADMIN = "web-admin-token-0123456789abcdef";
export const VIEWER = "web-viewer-token-0123456789abcdef";
export const DOCS = join(ROOT, "docs");
export const example = (name: string) => readFileSync(join(ROOT, "examples", name), "utf8");

export interface WebSession {
  server: ServerProcess;
  browser: TestBrowser;
  violations: string[];
  dialogs: string[];
  api: (path: string, init?: Parameters<typeof http>[2]) => ReturnType<typeof http>;
  revision: () => Promise<number>;
  loggedIn: (token?: string) => Promise<Page>;
  close: () => Promise<void>;
}

export async function webSession(): Promise<WebSession> {
  if (!readdirSync(join(ROOT, "dist")).includes("ui")) throw new Error("dist/ui is missing: run npm run build (it bundles src/web)");
  const dir = mkdtempSync(join(tmpdir(), "moat-web-test-"));
  writeFileSync(join(dir, "tokens.yaml"), `- {name: ops, role: admin, token: ${ADMIN}}\n- {name: eve, role: viewer, token: ${VIEWER}}\n`);
  const server = await startServer(["--tokens", join(dir, "tokens.yaml")]);
  let browser: TestBrowser;
  try {
    browser = await launchChromium();
  } catch (e) {
    await server.stop();
    removeDir(server.dataDir);
    removeDir(dir);
    throw e;
  }
  const violations: string[] = [];
  const dialogs: string[] = [];
  const api: WebSession["api"] = (path, init = {}) => http(server.url, path, { token: ADMIN, ...init });
  const newPage = async () => {
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
  };
  return {
    server,
    browser,
    violations,
    dialogs,
    api,
    revision: async () => (await http(server.url, "/healthz")).body.revision as number,
    loggedIn: async (token = ADMIN) => {
      const page = await newPage();
      await page.goto(`${server.url}/ui/`);
      await page.fill("input[name=token]", token);
      await page.click("form.login button[type=submit]");
      await page.waitForSelector("header .revision");
      return page;
    },
    close: async () => {
      await browser?.close();
      await server.stop();
      removeDir(server.dataDir);
      removeDir(dir);
    },
  };
}
