// Whatever Rancher input it is given, the importer either reports issues (each naming its file) or
// prints manifests that buildModel accepts, the same bytes every time.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { printManifests } from "../../../src/importers/emit.js";
import { importRancher } from "../../../src/importers/rancher/index.js";
import { buildModel, formatIssue, parseDocuments } from "../../../src/model/index.js";

const selector = fc.constantFrom("team=red", "team!=blue", "zone in (eu, us)", "zone notin (eu)", "team", "team=r/b", "io.rancher.stack.name=s1", "bad key=1", "a=b,");
const rule = fc.oneof(
  fc.record({ within: fc.constantFrom("stack", "service", "linked", "host"), action: fc.constantFrom("allow", "deny") }),
  fc.record({ between: fc.record({ groupBy: fc.constantFrom("team", "zone", "io.rancher.stack_service.name", "no such") }, { requiredKeys: [] }), action: fc.constantFrom("allow", "deny") }),
  fc.record({ between: fc.record({ selector, groupBy: fc.constantFrom("team", "zone") }), action: fc.constantFrom("allow", "deny") }),
  fc.record({ from: fc.record({ selector }), to: fc.record({ selector }), ports: fc.array(fc.constantFrom("80", "53/udp", "8080/tcp", "0", 443), { maxLength: 3 }), action: fc.constantFrom("allow", "deny", "drop") }),
);
const container = fc.record({
  type: fc.constant("container"),
  name: fc.constantFrom("web-1", "web-2", "db-1", "moat-1", "x y", "web 1", "---"),
  state: fc.constantFrom("running", "running", "stopped"),
  system: fc.constantFrom(false, false, false, true),
  hostId: fc.constantFrom("1h1", "1h2"),
  primaryIpAddress: fc.oneof(fc.integer({ min: 2, max: 9 }).map((n) => `10.42.0.${n}`), fc.constantFrom("10.43.0.1", "fd00::1", null)),
  labels: fc.record(
    {
      "io.rancher.stack.name": fc.constantFrom("s1", "s2"),
      "io.rancher.stack_service.name": fc.constantFrom("s1/web", "s2/db", "s1.web"),
      team: fc.constantFrom("red", "blue", "r/b", "red team"),
      zone: fc.constantFrom("eu", "us"),
      "bad key": fc.constant("x"),
    },
    { requiredKeys: [] },
  ),
  ports: fc.constantFrom(null, ["8080:80/tcp"], ["53/udp", "1000-1010:1000-1010/tcp"]),
});

describe("Rancher import", () => {
  it("prints only manifests that validate, or issues that name their file", () => {
    let imported = 0;
    fc.assert(
      fc.property(fc.constantFrom("ipsec", "moatnet", "my net"), fc.constantFrom("allow", "deny", null), fc.array(rule, { maxLength: 5 }), fc.array(container, { maxLength: 6 }), (name, def, policy, containers) => {
        const input = { network: { file: "net.json", text: JSON.stringify({ type: "network", name, defaultPolicyAction: def, policy }) }, containers: { file: "c.json", text: JSON.stringify({ type: "collection", data: containers }) } };
        const r = importRancher(input);
        if (!r.ok) {
          expect(r.issues.length).toBeGreaterThan(0);
          for (const i of r.issues) expect(["net.json", "c.json"]).toContain(i.file);
          return;
        }
        const text = printManifests(r.docs, "yaml");
        const built = buildModel(parseDocuments(text, "out.yaml").docs);
        expect(built.ok ? [] : built.issues.map(formatIssue)).toEqual([]);
        expect(printManifests((importRancher(input) as typeof r).docs, "yaml")).toBe(text);
        imported++;
      }),
      { numRuns: 300 },
    );
    // Not a vacuous property: a good share of the inputs import.
    expect(imported).toBeGreaterThan(20);
  });
});
