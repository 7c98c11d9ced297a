// Kernel test: the lab never leaves namespaces or processes behind, whether it is destroyed, fails while
// being built, or crashed in an earlier run; and it fails loudly instead of skipping.
import { spawn } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { afterAll, describe, expect, it } from "vitest";
import { CommandFailed, processRunner, runOk, type Runner } from "../../src/dataplane/runner.js";
import { parseIp } from "../../src/model/index.js";
import { cleanupLabs, createLab, KernelToolsMissing, labPrefix, LabSpecInvalid, listNamespaces, requireKernelTools, type LabSpec } from "../../src/lab/index.js";
import { labModel, labSpec } from "./fixture.js";

const host = processRunner();
const prefixes: string[] = [];
const fresh = () => {
  const p = labPrefix();
  prefixes.push(p);
  return p;
};
const withPrefix = async (p: string) => (await listNamespaces()).filter((n) => n.startsWith(p));

afterAll(async () => {
  for (const p of prefixes) await cleanupLabs(p);
});

describe("lab cleanup (kernel)", () => {
  it("passes the preflight as root with the tools installed", async () => {
    await expect(requireKernelTools()).resolves.toBeUndefined();
  });

  it("cleanupLabs deletes every namespace with the prefix and kills what runs inside, and nothing else", async () => {
    const p = fresh();
    const other = fresh();
    await runOk(host, "ip", ["-batch", "-"], { input: `netns add ${p}a\nnetns add ${p}b\nnetns add ${other}a\n` });
    const sleeper = spawn("ip", ["netns", "exec", `${p}a`, "sleep", "30"], { stdio: "ignore" });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => sleeper.once("exit", (_code, signal) => resolve(signal)));
    await waitFor(async () => (await runOk(host, "ip", ["netns", "pids", `${p}a`])).stdout.trim() !== "");

    expect((await cleanupLabs(p)).sort()).toEqual([`${p}a`, `${p}b`]);
    expect(await withPrefix(p)).toEqual([]);
    expect(await withPrefix(other)).toEqual([`${other}a`]);
    expect(await exited).toBe("SIGKILL");
    await expect(cleanupLabs("mt")).rejects.toThrow(/at least 3 characters/);
  });

  it("destroy stops the agents of a lab (as seen in the process table) and deletes its namespaces", async () => {
    const p = fresh();
    const spec = labSpec();
    const lab = await createLab({ ...spec, workloads: spec.workloads.filter((w) => w.node === "node-b") }, { prefix: p });
    try {
      expect(await agentsRunning()).toHaveLength(2);
    } finally {
      await lab.destroy();
    }
    expect(await agentsRunning()).toEqual([]);
    expect(await withPrefix(p)).toEqual([]);
  });

  it("a lab that fails while being built removes what it made and names the command that failed", async () => {
    const p = fresh();
    const model = labModel();
    const multicast = parseIp("ff05::5");
    if (!multicast.ok) throw new Error(multicast.message);
    // The plan accepts it; the kernel refuses a multicast address on an interface half-way through.
    const spec: LabSpec = { ...model, workloads: model.workloads.map((w) => (w.id === "f3" ? { ...w, network: "routed", ips: [...w.ips, multicast.value] } : w)) };
    const err = await createLab(spec, { prefix: p }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandFailed);
    expect(String((err as CommandFailed).message)).toMatch(/multicast/);
    expect(await withPrefix(p)).toEqual([]);
    expect(await agentsRunning()).toEqual([]);
  });

  it("a spec the lab cannot build is refused before anything is created", async () => {
    const p = fresh();
    const spec = labSpec();
    const bare = { ...spec, workloads: spec.workloads.map((w) => ({ ...w, interface: undefined })) } as LabSpec;
    const err = await createLab(bare, { prefix: p }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabSpecInvalid);
    expect((err as LabSpecInvalid).issues.map((i) => i.resource)).toEqual(spec.workloads.map((w) => `Workload/${w.id}`));
    expect(await withPrefix(p)).toEqual([]);
  });

  it("refuses a prefix that another lab's namespaces use, and leaves them alone", async () => {
    const p = fresh();
    await runOk(host, "ip", ["netns", "add", `${p}n0`]);
    await expect(createLab(labSpec(), { prefix: p })).rejects.toThrow(/exist already/);
    expect(await withPrefix(p)).toEqual([`${p}n0`]);
  });
});

describe("requireKernelTools", () => {
  it("throws, naming every missing tool, when a tool is not installed", async () => {
    const fake: Runner = { run: async (cmd) => (cmd === "nft" || cmd === "ipset" ? { code: 127, stdout: "", stderr: "not found" } : { code: 0, stdout: "", stderr: "" }) };
    const err = await requireKernelTools(fake).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KernelToolsMissing);
    expect((err as KernelToolsMissing).problems.filter((p) => !p.startsWith("not running as root"))).toEqual([
      "ipset is missing or broken (ipset not found)",
      "nft is missing or broken (nft not found)",
    ]);
  });
});

/** Agents of the labs of this file still alive: the agent's last argument is its namespace. */
async function agentsRunning(): Promise<string[]> {
  const out: string[] = [];
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const argv = await readFile(`/proc/${pid}/cmdline`, "utf8").then((t) => t.split("\0").filter(Boolean), (): string[] => []);
    const last = argv[argv.length - 1] ?? "";
    if (argv.includes("--input-type=module") && prefixes.some((p) => last.startsWith(p))) out.push(`${pid} ${last}`);
  }
  return out;
}

async function waitFor(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}
