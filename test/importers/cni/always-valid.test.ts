// Whatever CNI configurations it is given, the importer either reports issues (each naming a file or
// the --subnet flag) or prints Networks that buildModel accepts.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { importCni } from "../../../src/importers/cni/index.js";
import { printManifests } from "../../../src/importers/emit.js";
import { buildModel, formatIssue, parseDocuments } from "../../../src/model/index.js";

const subnet = fc.constantFrom("10.1.0.0/16", "10.1.2.0/24", "10.2.0.0/16", "10.3.0.0/24", "fd00:1::/64", "10.4.0.1/24", "10.5.0.0");
const ipam = fc.oneof(
  fc.record({ type: fc.constant("host-local"), subnet }),
  fc.record({ type: fc.constant("host-local"), ranges: fc.array(fc.array(fc.record({ subnet }), { minLength: 1, maxLength: 2 }), { maxLength: 2 }) }),
  fc.record({ type: fc.constant("calico-ipam"), ipv4_pools: fc.array(subnet, { maxLength: 2 }) }),
  fc.record({ type: fc.constantFrom("dhcp", "static") }),
);
const config = fc.record({
  file: fc.constantFrom("10-a.conf", "20-b.conflist", "30-c.json"),
  name: fc.constantFrom("net1", "net2", "moatnet", "a b", "a-b", ""),
  list: fc.boolean(),
  ipam,
});

describe("CNI import", () => {
  it("prints only Networks that validate, or issues that name their file", () => {
    let imported = 0;
    fc.assert(
      fc.property(fc.array(config, { maxLength: 4 }), fc.array(fc.record({ network: fc.constantFrom("net1", "net2", "x"), cidr: subnet }), { maxLength: 2 }), (configs, subnets) => {
        const files = configs.map((c, i) => ({
          file: `${i}-${c.file}`,
          text: JSON.stringify(c.list ? { cniVersion: "1.0.0", name: c.name, plugins: [{ type: "bridge", ipam: c.ipam }, { type: "portmap" }] } : { cniVersion: "0.4.0", name: c.name, type: "bridge", ipam: c.ipam }),
        }));
        const r = importCni(files, { subnets });
        if (!r.ok) {
          expect(r.issues.length).toBeGreaterThan(0);
          for (const i of r.issues) expect([...files.map((f) => f.file), "--subnet"]).toContain(i.file);
          return;
        }
        const built = buildModel(parseDocuments(printManifests(r.docs, "yaml"), "out.yaml").docs);
        expect(built.ok ? [] : built.issues.map(formatIssue)).toEqual([]);
        imported++;
      }),
      { numRuns: 300 },
    );
    expect(imported).toBeGreaterThan(20);
  });
});
