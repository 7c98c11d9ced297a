// `moat apply`, `status` and `reset` as a user runs them, inside a network namespace of the test's own:
// status exits 0 only when the kernel holds what was applied, 1 saying what differs, 3 without root;
// looking never creates an iptables-legacy table.
import "../support/state-dirs.js";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { processRunner, runOk } from "../../src/dataplane/index.js";
import { cleanupLabs, labPrefix, requireKernelTools } from "../../src/lab/index.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const ENTRY = "import('./src/cli/main.ts').then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })";

function moat(ns: string, args: string[], asUser?: number): Promise<{ code: number; out: string; err: string }> {
  const cmd = [...(asUser !== undefined ? ["setpriv", `--reuid=${asUser}`, `--regid=${asUser}`, "--clear-groups"] : []), process.execPath, "--import", "tsx", "-e", ENTRY, "--", ...args];
  return new Promise((resolve) => {
    const child = spawn("ip", ["netns", "exec", ns, ...cmd], { cwd: root, env: process.env });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => resolve({ code: code ?? -1, out, err }));
  });
}

describe("moat status against what was applied (kernel, CLI)", () => {
  it("exits 0 when they agree, 1 naming what differs, 3 without root; creates no legacy table", async () => {
    await requireKernelTools();
    const prefix = labPrefix();
    const ns = `${prefix}cli`;
    await runOk(processRunner(), "ip", ["netns", "add", ns]);
    try {
      const r = processRunner(ns);
      const apply = await moat(ns, ["apply", "-f", "examples/dcos-overlays.yaml", "--node", "agent-1", "--backend", "iptables", "-o", "json"]);
      expect(apply.err).toBe("");
      expect(apply.code).toBe(0);
      const report = JSON.parse(apply.out);
      expect(report).toMatchObject({ backend: "iptables", changed: true });
      expect(Object.keys(report.timings).sort()).toEqual(["compile", "kernel", "load", "render"]);

      expect(await moat(ns, ["status"])).toMatchObject({ code: 0, out: expect.stringContaining("agrees") });

      expect((await runOk(r, "iptables", ["-S", "FORWARD"])).stdout.split("\n")[1]).toMatch(/-j moat-a-fwd$/);
      await runOk(r, "iptables", ["-D", "FORWARD", "1"]);
      const missing = await moat(ns, ["status"]);
      expect(missing.code).toBe(1);
      expect(missing.out).toMatch(/hook-missing: hook \(4\) is missing/);
      const json = JSON.parse((await moat(ns, ["status", "-o", "json"])).out);
      expect(json).toMatchObject({ agrees: false, differences: [{ kind: "hook-missing", name: "4" }] });

      expect((await moat(ns, ["apply", "-f", "examples/dcos-overlays.yaml", "--node", "agent-1"])).code).toBe(0);
      const again = await moat(ns, ["status", "-o", "json"]);
      expect(again.code).toBe(0);
      const eg = `moat-${JSON.parse(again.out).generation}-eg`;
      await runOk(r, "ip6tables", ["-I", eg, "1", "-j", "ACCEPT"]);
      const changed = await moat(ns, ["status", "-o", "json"]);
      expect(changed.code).toBe(1);
      expect(JSON.parse(changed.out).differences).toEqual([{ kind: "chain-changed", name: `6 ${eg}`, detail: expect.any(String) }]);

      const nobody = await moat(ns, ["status"], 65534);
      expect(nobody.code).toBe(3);
      expect(nobody.err.trim().split("\n")).toHaveLength(1);
      expect(nobody.err).toMatch(/^error: (needs root: run as root or in a network namespace you own|cannot create the lock directory)/);
      expect(nobody.err).not.toMatch(/\n\s+at /);

      expect((await moat(ns, ["reset"])).code).toBe(0);
      expect(await moat(ns, ["status"])).toMatchObject({ code: 0 });
      expect((await r.run("cat", ["/proc/net/ip_tables_names"])).stdout).toBe("");
      expect((await r.run("cat", ["/proc/net/ip6_tables_names"])).stdout).toBe("");
    } finally {
      await processRunner().run("ip", ["netns", "del", ns]);
      await cleanupLabs(prefix);
    }
  }, 120_000);

  it("with --backend nftables: a rule put into moat's chain or a flushed base chain is a difference; reset leaves no table", async () => {
    await requireKernelTools();
    const prefix = labPrefix();
    const ns = `${prefix}cln`;
    await runOk(processRunner(), "ip", ["netns", "add", ns]);
    try {
      const r = processRunner(ns);
      const apply = await moat(ns, ["apply", "-f", "examples/dcos-overlays.yaml", "--node", "agent-1", "--backend", "nftables", "-o", "json"]);
      expect(apply.err).toBe("");
      expect(JSON.parse(apply.out)).toMatchObject({ backend: "nftables", changed: true });
      expect(await moat(ns, ["status"])).toMatchObject({ code: 0, out: expect.stringContaining("agrees") });
      await runOk(r, "nft", ["insert", "rule", "inet", "moat-a", "moat-eg", "accept"]);
      const changed = await moat(ns, ["status", "-o", "json"]);
      expect(changed.code).toBe(1);
      expect(JSON.parse(changed.out).differences).toEqual([{ kind: "chain-changed", name: "inet moat-eg", detail: expect.any(String) }]);
      await runOk(r, "nft", ["flush", "chain", "inet", "moat-a", "forward"]);
      const flushed = JSON.parse((await moat(ns, ["status", "-o", "json"])).out);
      expect(flushed.differences.map((d: { kind: string }) => d.kind)).toContain("hook-missing");
      // An agent's overlay device is moat's too: reset removes it with its FDB entries and routes.
      await runOk(r, "ip", ["link", "add", "moat.vx", "type", "vxlan", "id", "42", "dstport", "4789", "nolearning"]);
      const reset = await moat(ns, ["reset"]);
      expect(reset.code, reset.err).toBe(0);
      expect(reset.out).toMatch(/and the overlay device moat\.vx/);
      expect((await r.run("ip", ["link", "show", "moat.vx"])).code).not.toBe(0);
      expect((await runOk(r, "nft", ["list", "tables"])).stdout).not.toMatch(/moat/);
      expect((await moat(ns, ["status"])).code).toBe(0);
    } finally {
      await processRunner().run("ip", ["netns", "del", ns]);
      await cleanupLabs(prefix);
    }
  }, 180_000);
});
