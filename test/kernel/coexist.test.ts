// Beside other firewalls: a firewalld-like zone chain reached by -g that accepts everything, and a
// DOCKER-USER-like chain. They stay byte-identical through apply, re-apply and reset, and moat's
// isolation holds in front of them (its jump is at FORWARD 1).
import { describe, expect, it } from "vitest";
import { compile } from "../../src/compile/index.js";
import { applyPlan, readStatus, resetDataplane, runOk } from "../../src/dataplane/index.js";
import type { Runner } from "../../src/dataplane/index.js";
import { allPairs, BACKENDS, disagreements, enforce, exampleModel, withLab } from "./harness.js";

const FOREIGN = `*filter
:FORWARD_direct - [0:0]
:FWDI_public - [0:0]
:DOCKER-USER - [0:0]
-A FORWARD -j DOCKER-USER
-A FORWARD -j FORWARD_direct
-A FORWARD -g FWDI_public
-A FORWARD -j DROP
-A DOCKER-USER -j RETURN
-A FWDI_public -m conntrack --ctstate NEW -j ACCEPT
-A FWDI_public -j ACCEPT
COMMIT
`;

const MOAT_ALLOW_NFT = /^\s*meta mark & 0x01000000 == 0x01000000 .*accept$/;

async function foreignView(runner: Runner): Promise<string> {
  const out: string[] = [];
  // Foreign nft tables (iptables-nft's own included) as nft lists them, moat's two tables left out.
  const tables = (await runOk(runner, "nft", ["list", "tables"])).stdout.split("\n").filter((l) => l && !/ moat-[ab]$/.test(l));
  for (const t of tables) {
    const text = (await runOk(runner, "nft", ["list", ...t.split(" ")])).stdout.replace(/\tchain moat-[^\n]*\{[\s\S]*?\n\t\}\n/g, "");
    // moat's own rule in iptables' FORWARD (nftables, allowAction Accept) prints there without its
    // comment: it is known by its mark match.
    out.push(...text.split("\n").filter((l) => l.trim() && !l.includes("moat-") && !MOAT_ALLOW_NFT.test(l)).map((l) => l.replace(/counter packets \d+ bytes \d+ /, "")));
  }
  for (const cmd of ["iptables-save", "ip6tables-save"]) {
    const text = (await runOk(runner, cmd, ["-t", "filter"])).stdout;
    out.push(...text.split("\n").filter((l) => !l.startsWith("#") && !/moat-/.test(l)).map((l) => l.replace(/\[\d+:\d+\]/, "")));
  }
  out.push(...(await runOk(runner, "ipset", ["save"])).stdout.split("\n").filter((l) => !/moat-/.test(l)));
  return out.join("\n");
}

describe.each(BACKENDS)("%s", (backend) => {
describe("coexisting with other firewalls (kernel)", () => {
  it("leaves foreign chains byte-identical and isolates in front of an accept-all zone", async () => {
    const model = exampleModel("dcos-overlays.yaml");
    await withLab(model, async (lab) => {
      const node = "agent-1";
      const runner = lab.nodeRunner(node);
      for (const cmd of ["iptables-restore", "ip6tables-restore"]) await runOk(runner, cmd, ["--noflush"], { input: FOREIGN });
      await runOk(runner, "ipset", ["create", "foreign-set", "hash:ip"]);
      const before = await foreignView(runner);

      await enforce(lab, model, backend);
      expect(await foreignView(runner)).toBe(before);
      expect(await disagreements(lab, allPairs(model, [{ port: 80, protocol: "TCP" }, { port: 8080, protocol: "TCP" }]))).toEqual([]);

      const again = await applyPlan(runner, compile(model, node), { backend });
      expect(again.changed).toBe(false);
      expect(await foreignView(runner)).toBe(before);
      if (backend === "nftables") {
        // moat's base chain hooks before the filter chains: iptables' FORWARD cannot put anything before it.
        await runOk(runner, "iptables", ["-I", "FORWARD", "1", "-j", "ACCEPT"]);
        expect(await disagreements(lab, allPairs(model, [{ port: 80, protocol: "TCP" }]))).toEqual([]);
        await runOk(runner, "iptables", ["-D", "FORWARD", "-j", "ACCEPT"]);
        // A switch to iptables and back leaves the foreign rules as they were.
        await applyPlan(runner, compile(model, node), { backend: "iptables" });
        expect(await foreignView(runner)).toBe(before);
        await applyPlan(runner, compile(model, node), { backend: "nftables" });
        expect(await foreignView(runner)).toBe(before);
        await resetDataplane(runner);
        expect(await foreignView(runner)).toBe(before);
        expect((await runOk(runner, "nft", ["list", "tables"])).stdout).not.toMatch(/ moat-[ab]$/m);
        return;
      }

      // Another firewall reloads and puts its rules before moat's: moat re-asserts its place.
      await runOk(runner, "iptables", ["-I", "FORWARD", "1", "-j", "FWDI_public"]);
      expect((await readStatus(runner)).hookAtTop).toBe(false);
      const reasserted = await applyPlan(runner, compile(model, node));
      expect(reasserted.changed).toBe(true);
      expect((await readStatus(runner)).hookAtTop).toBe(true);
      await runOk(runner, "iptables", ["-D", "FORWARD", "-j", "FWDI_public"]);
      expect(await foreignView(runner)).toBe(before);

      const removed = await resetDataplane(runner);
      expect(removed.chains).toBeGreaterThan(0);
      expect(await foreignView(runner)).toBe(before);
      const status = await readStatus(runner);
      expect(status).toMatchObject({ applied: false, chains: 0, sets: 0 });
    });
  });
});
});
