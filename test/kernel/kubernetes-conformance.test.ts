// A few upstream NetworkPolicy conformance cases through the real kernel: the 9 pods as namespaces on
// one node, the NetworkPolicies compiled and applied, and real TCP/UDP connections compared with
// upstream's truth table. (SCTP cases are left to the pure views: Node.js has no SCTP sockets.)
import { describe, expect, it } from "vitest";
import { withLabInterfaces } from "../../src/lab/index.js";
import { expectedCells, fixtureFor, loadCases, policiesOf } from "../importers/kubernetes/conformance-cases.js";
import { modelOf } from "../importers/kubernetes/helpers.js";
import { BACKENDS, enforce, withLab } from "./harness.js";

const CHOSEN = ["001-default-deny-ingress.yaml", "010-podselector-and-nsselector.yaml", "017-ingress-one-named-port.yaml", "025-deny-egress-podselector.yaml", "035-egress-cidr-except.yaml", "044-udp-ports.yaml"];
const cases = loadCases().filter((c) => CHOSEN.includes(c.file));

describe.each(BACKENDS)("%s", (backend) => {
describe("Kubernetes conformance through the kernel", () => {
  it("has the chosen cases", () => expect(cases.map((c) => c.file).sort()).toEqual([...CHOSEN].sort()));

  it.each(cases)("$file", async (c) => {
    const step = c.steps[0]!;
    const model = withLabInterfaces(modelOf([...fixtureFor(step), ...policiesOf(step, c.file)]));
    await withLab(model, async (lab) => {
      await enforce(lab, model, backend);
      const wrong: string[] = [];
      for (const probe of step.probes.filter((p) => p.protocol !== "SCTP")) {
        const protocol = probe.protocol as "TCP" | "UDP";
        await lab.listenAll(probe.port, protocol);
        const cells = [...expectedCells(probe)];
        const results = await lab.probeMany(cells.map(([cell]) => {
          const [from, to] = cell.split("\0") as [string, string];
          return { from, to, port: probe.port, protocol };
        }));
        cells.forEach(([cell, want], i) => {
          if (results[i]!.connected !== want) wrong.push(`${probe.port}/${protocol} ${cell.replace("\0", " -> ")}: upstream ${want}, kernel ${results[i]!.outcome}`);
        });
      }
      expect(wrong).toEqual([]);
    });
  });
});
});
