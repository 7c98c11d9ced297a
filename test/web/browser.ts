// Debian's chromium driven by playwright-core, for the web view's tests: a fresh profile folder, the
// flags this closed network needs, and a close() that ends the browser (SIGKILL to any process still
// holding that profile) and removes the folder, whatever the test did.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Pids of processes whose command line holds this profile folder (ours only: the folder is new). */
function holders(profile: string): number[] {
  const pids: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, "utf8").includes(profile)) pids.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

export async function launchChromium(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: the web view's tests need Debian's chromium (apt-get install chromium; scripts/setup.sh installs it)`);
  execFileSync(CHROMIUM, ["--version"], { stdio: "ignore" });
  const profile = mkdtempSync(join(tmpdir(), "moat-web-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  return {
    context,
    close: async () => {
      await Promise.race([context.close().catch(() => undefined), new Promise((r) => setTimeout(r, 5000))]);
      for (const pid of holders(profile)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
