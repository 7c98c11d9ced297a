// One config format: what `moat import cni` reads is what moat-cni takes. A conflist for the plugin
// imports to the Network it attaches to, and each plugin entry, as libcni hands it to the plugin (with
// the list's cniVersion and name), is a valid moat-cni config.
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/cni/index.js";
import { importCni } from "../../src/importers/cni/index.js";

const plugin = { type: "moat-cni", server: "http://127.0.0.1:7080", tokenFile: "/etc/moat/agent.token", node: "n1" };
const list = (ipam: unknown) => JSON.stringify({ cniVersion: "0.4.0", name: "it", plugins: [{ ...plugin, ipam }] });
const asLibcniPasses = (text: string) => {
  const l = JSON.parse(text) as { cniVersion: string; name: string; plugins: Record<string, unknown>[] };
  return JSON.stringify({ cniVersion: l.cniVersion, name: l.name, ...l.plugins[0] });
};

describe("moat-cni takes the config format the CNI importer reads", () => {
  it("host-local ranges: the importer gives the Network, the plugin reads the same entry", () => {
    const text = list({ type: "host-local", ranges: [[{ subnet: "10.63.0.0/24" }]] });
    const imported = importCni([{ file: "it.conflist", text }]);
    expect(imported.ok && imported.docs.map((d) => [d.kind, (d.metadata as { name: string }).name, d.spec])).toEqual([["Network", "it", { subnets: ["10.63.0.0/24"], isolation: "network" }]]);
    const config = parseConfig(asLibcniPasses(text));
    expect([config.name, config.type, config.ipam?.type, config.node]).toEqual(["it", "moat-cni", "host-local", "n1"]);
  });

  it("moat ipam: the plugin reads it; the importer asks for the subnet, which the moat Network already holds", () => {
    const text = list({ type: "moat" });
    expect(parseConfig(asLibcniPasses(text)).ipam?.type).toBe("moat");
    const imported = importCni([{ file: "it.conflist", text }]);
    expect(imported.ok).toBe(false);
    expect(!imported.ok && imported.issues[0]!.message).toContain("--subnet it=CIDR");
    const given = importCni([{ file: "it.conflist", text }], { subnets: [{ network: "it", cidr: "10.64.0.0/24" }] });
    expect(given.ok && given.docs[0]!.spec).toEqual({ subnets: ["10.64.0.0/24"], isolation: "network" });
  });
});
