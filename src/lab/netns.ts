// Named network namespaces on the machine: list, and delete with whatever still runs inside them.
import { processRunner, runOk, type Runner } from "../dataplane/index.js";
import { deleteNamespacesBatch } from "./commands.js";

const host = processRunner();

export async function listNamespaces(runner: Runner = host): Promise<string[]> {
  const { stdout } = await runOk(runner, "ip", ["netns", "list"]);
  // Lines look like "name" or "name (id: 3)".
  return stdout
    .split("\n")
    .map((l) => l.trim().split(/\s+/)[0] ?? "")
    .filter(Boolean);
}

/**
 * Kills every process left in the namespaces (a deleted name does not end a namespace that still has
 * processes, so its veths and routes would live on), then deletes them. Names already gone are fine.
 */
export async function deleteNamespaces(names: readonly string[], runner: Runner = host): Promise<void> {
  const existing = new Set(await listNamespaces(runner));
  const targets = names.filter((n) => existing.has(n));
  if (!targets.length) return;
  await Promise.all(targets.map((ns) => killInside(ns, runner)));
  await runner.run("ip", ["-force", "-batch", "-"], { input: deleteNamespacesBatch(targets) });
  const left = (await listNamespaces(runner)).filter((n) => targets.includes(n));
  if (left.length) throw new Error(`could not delete network namespaces: ${left.join(", ")}`);
}

async function killInside(ns: string, runner: Runner): Promise<void> {
  const { code, stdout } = await runner.run("ip", ["netns", "pids", ns]);
  if (code !== 0) return;
  for (const pid of stdout.split(/\s+/).filter((p) => /^\d+$/.test(p))) {
    try {
      process.kill(Number(pid), "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/** Deletes every namespace whose name starts with the prefix (leftovers of a lab that crashed); returns them. */
export async function cleanupLabs(prefix: string, runner: Runner = host): Promise<string[]> {
  if (prefix.length < 3) throw new Error(`cleanupLabs needs a prefix of at least 3 characters, got ${JSON.stringify(prefix)}`);
  const names = (await listNamespaces(runner)).filter((n) => n.startsWith(prefix));
  await deleteNamespaces(names, runner);
  return names;
}
