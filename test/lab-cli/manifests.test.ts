// The pure parts of `moat lab`: how manifests are completed for the lab, which ports it listens on, and
// the table that sets real connections beside the declared matrix.
import { describe, expect, it } from "vitest";
import { disagreements, labJson, labTable } from "../../src/cli/commands/lab-table.js";
import { labPorts, type LabProbe } from "../../src/lab/index.js";
import { labManifests } from "../../src/lab/lab-manifests.js";
import { InvalidInput } from "../../src/errors/index.js";
import { parseSources } from "../../src/service/index.js";

const NET = "apiVersion: moat.dev/v1\nkind: Network\nmetadata: {name: n}\nspec: {subnets: [10.9.0.0/16]}\n";
const wl = (name: string, spec: string) => `---\napiVersion: moat.dev/v1\nkind: Workload\nmetadata: {name: ${name}}\nspec: {network: n, ${spec}}\n`;
const parsed = (text: string) => parseSources([{ name: "t.yaml", text }]);

describe("labManifests", () => {
  it("spreads workloads without a node over N nodes in document order, keeps given nodes, names missing interfaces uniquely per node", () => {
    const text = NET + wl("a", "ips: [10.9.0.1]") + wl("b", "ips: [10.9.0.2], node: edge") + wl("c", "ips: [10.9.0.3]") + wl("d", "ips: [10.9.0.4], node: node-1, interface: lw4") + wl("e", "ips: [10.9.0.5]");
    const { model, text: sent } = labManifests(parsed(text), 2);
    const by = Object.fromEntries(model.workloads.map((w) => [w.id, `${w.node}/${w.interface}`]));
    // d took lw4 on node-1 itself (a, c, e go to node-1, node-2, node-1), so e on node-1 may not.
    expect(by).toEqual({ a: "node-1/lw0", b: "edge/lw1", c: "node-2/lw2", d: "node-1/lw4", e: "node-1/lw4x1" });
    expect(sent.split("\n---\n")).toHaveLength(6);
    expect(JSON.parse(sent.split("\n---\n")[1]!).spec).toMatchObject({ node: "node-1", interface: "lw0" });
  });

  it("leaves the documents it was given untouched", () => {
    const p = parsed(NET + wl("a", "ips: [10.9.0.1]"));
    labManifests(p, 3);
    expect((p.docs[1]!.doc as { spec: object }).spec).toEqual({ network: "n", ips: ["10.9.0.1"] });
  });

  it("refuses manifests without workloads, and invalid ones, with every issue", () => {
    expect(() => labManifests(parsed(NET), 2)).toThrow(/at least one/);
    try {
      labManifests(parsed(NET + wl("a", "ips: [10.9.0.1], network: nope")), 2);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidInput);
    }
  });
});

describe("labPorts", () => {
  const { model } = labManifests(parsed(NET + wl("a", "ips: [10.9.0.1], ports: [{name: h, port: 80}, {name: d, port: 53, protocol: UDP}]")), 1);
  it("is the ports asked for, then the declared ones, each once", () => {
    expect(labPorts(model, [{ port: 80, protocol: "TCP" }, { protocol: "ICMP" }])).toEqual([
      { port: 80, protocol: "TCP" },
      { port: 0, protocol: "ICMP" },
      { port: 53, protocol: "UDP" },
    ]);
  });
  it("refuses SCTP, which the lab cannot probe, naming --port", () => {
    expect(() => labPorts(model, [{ port: 9, protocol: "SCTP" }])).toThrow(/--port 9\/sctp: the lab probes TCP, UDP and ICMP only/);
  });
});

describe("labTable and labJson", () => {
  const cell = (from: string, to: string, allowed: boolean, declared: boolean): LabProbe => ({ from, to, port: 80, protocol: "TCP", allowed, declared, reason: "r", detail: "d" });
  const probes = [cell("a", "a", true, true), cell("a", "b", true, false), cell("b", "a", false, false), cell("b", "b", true, true)];

  it("prints real beside declared, marks and lists each disagreement", () => {
    const text = labTable(probes);
    expect(text).toContain("from \\ to  a  b   |  a  b");
    expect(text).toContain("a          ✓  ✓!  |  ✓  ✗");
    expect(text).toContain("1 of 4 cells disagree:\n  80/TCP a -> b: real connected (d), declared denied (r)");
    expect(disagreements(probes)).toHaveLength(1);
    expect(labTable(probes.filter((p) => p.to !== "b" || p.from !== "a"))).toContain("every cell agrees: 3 real connections");
  });

  it("-o json is the matrix format plus declared, nothing else", () => {
    expect(JSON.parse(labJson(probes)).probes[1]).toEqual({ from: "a", to: "b", port: 80, protocol: "TCP", allowed: true, declared: false });
  });
});
