// Whatever policy server body it is given, the importer either reports issues naming the file, or
// prints manifests that buildModel accepts.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { importCloudFoundry } from "../../../src/importers/cloudfoundry/index.js";
import { printManifests } from "../../../src/importers/emit.js";
import { buildModel, formatIssue, parseDocuments } from "../../../src/model/index.js";

const id = fc.constantFrom("2f978b7f-b3d2-4f50-b08f-776634a6e411", "c7de6123-d906-4c65-9717-c5d040568c76", "app_1", "not a guid", "");
const port = fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.constantFrom(0, 70000, "80"));
const policy = fc.record({
  source: fc.record({ id }),
  destination: fc.oneof(
    fc.record({ id, protocol: fc.constantFrom("tcp", "udp", "icmp"), ports: fc.record({ start: port, end: port }) }),
    fc.record({ id, protocol: fc.constantFrom("tcp", "udp"), port }),
  ),
});

describe("Cloud Foundry import", () => {
  it("prints only manifests that validate, or issues that name the file", () => {
    let imported = 0;
    fc.assert(
      fc.property(fc.array(policy, { maxLength: 5 }), fc.boolean(), (policies, network) => {
        const r = importCloudFoundry(JSON.stringify({ total_policies: policies.length, policies }), "p.json", { network: network ? { name: "silk", subnet: "10.255.0.0/16" } : null });
        if (!r.ok) {
          expect(r.issues.length).toBeGreaterThan(0);
          for (const i of r.issues) expect(i.file).toBe("p.json");
          return;
        }
        const built = buildModel(parseDocuments(printManifests(r.docs, "json"), "out.json").docs);
        expect(built.ok ? [] : built.issues.map(formatIssue)).toEqual([]);
        imported++;
      }),
      { numRuns: 300 },
    );
    expect(imported).toBeGreaterThan(20);
  });
});
