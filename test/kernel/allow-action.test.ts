// Settings allowAction against a firewalld-style host firewall in FORWARD after moat: replies accepted,
// TCP 8080 accepted, everything else REJECTed (a catch-all as firewalld's zones end). Real connections:
// - Accept (both backends): moat's allow ends FORWARD, so what moat allows connects on 80 too, past the
//   catch-all (iptables: moat's ACCEPT at FORWARD 1; nftables: moat's base chain marks it and moat's
//   rule at the head of iptables' FORWARD accepts the mark);
// - Return (both backends): moat only denies; what it allows the host still judges, so only 8080 of it
//   connects;
// and whatever moat denies stays refused under every setting, even where the host would accept it.
import { describe, expect, it } from "vitest";
import { runOk } from "../../src/dataplane/index.js";
import type { Model } from "../../src/model/index.js";
import { allPairs, BACKENDS, describeProbe, enforce, modelFrom, nodesOf, withLab } from "./harness.js";
import { readFileSync } from "node:fs";

const DCOS = readFileSync(new URL("../../examples/dcos-overlays.yaml", import.meta.url), "utf8");
const settings = (allowAction: string) => `\n---\napiVersion: moat.dev/v1\nkind: Settings\nmetadata: {name: default}\nspec: {allowAction: ${allowAction}}\n`;

const HOST_FIREWALL = `*filter
-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -p tcp -m tcp --dport 8080 -j ACCEPT
-A FORWARD -j REJECT --reject-with icmp-host-prohibited
COMMIT
`;
const HOST_FIREWALL_6 = HOST_FIREWALL.replace("icmp-host-prohibited", "icmp6-adm-prohibited");
const PORTS = [{ port: 80, protocol: "TCP" as const }, { port: 8080, protocol: "TCP" as const }];

describe.each(BACKENDS)("%s", (backend) => {
  describe("allowAction beside a host firewall that rejects all but 8080 (kernel)", () => {
    it("Accept, then Return on the same nodes: what connects is what moat allows, and under Return what the host allows too", async () => {
      const accept = modelFrom(DCOS + settings("Accept"));
      const ret = modelFrom(DCOS + settings("Return"));
      await withLab(accept, async (lab) => {
        for (const node of nodesOf(accept)) {
          const runner = lab.nodeRunner(node);
          await runOk(runner, "iptables-restore", ["--noflush"], { input: HOST_FIREWALL });
          await runOk(runner, "ip6tables-restore", ["--noflush"], { input: HOST_FIREWALL_6 });
        }
        for (const p of PORTS) await lab.listenAll(p.port, p.protocol);
        const check = async (model: Model, hostJudges: boolean) => {
          const expected = allPairs(model, PORTS).map((e) => ({ ...e, allowed: e.allowed && (!hostJudges || e.port === 8080) }));
          // Both kinds of cell occur: moat's allow past the catch-all (Accept) or stopped by it (Return).
          expect(allPairs(model, PORTS).some((e) => e.allowed && e.port === 80)).toBe(true);
          const results = await lab.probeMany(expected);
          return expected.flatMap((e, i) => (results[i]!.connected === e.allowed ? [] : [describeProbe(e, results[i]!)]));
        };
        await enforce(lab, accept, backend);
        expect(await check(accept, false)).toEqual([]);
        const switched = await enforce(lab, ret, backend);
        expect(switched.every((r) => r.changed)).toBe(true);
        expect(await check(ret, true)).toEqual([]);
        // And back: Accept again ends FORWARD for what moat allows.
        await enforce(lab, accept, backend);
        expect(await check(accept, false)).toEqual([]);
      });
    }, 120_000);
  });
});
