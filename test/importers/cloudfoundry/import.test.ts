// The policy server's body (examples/imports/cloudfoundry) imported and read with the apps' Workloads:
// c2c traffic is denied until a policy allows it, and then only on the policy's protocol and ports.
//   A appA 2f978b7f...   B appB c7de6123...   D db 5e0c2a81...
import { describe, expect, it } from "vitest";
import { importCloudFoundry } from "../../../src/importers/cloudfoundry/index.js";
import { buildModel, formatIssue, parseDocuments, type Issue } from "../../../src/model/index.js";
import { printManifests, type ImportResult } from "../../../src/importers/emit.js";
import { example, grid } from "../rancher/helpers.js";

const APPS = example("cloudfoundry/apps.yaml");
const A = "2f978b7f-b3d2-4f50-b08f-776634a6e411";
const B = "c7de6123-d906-4c65-9717-c5d040568c76";

/** The import, printed and read back beside apps.yaml (which has the Network and the Workloads). */
function withApps(result: ImportResult) {
  if (!result.ok) throw new Error(result.issues.map(formatIssue).join("\n"));
  const docs = [...parseDocuments(APPS.text, APPS.file).docs, ...parseDocuments(printManifests(result.docs, "yaml"), "imported.yaml").docs];
  const built = buildModel(docs);
  if (!built.ok) throw new Error(built.issues.map(formatIssue).join("\n"));
  return built.value;
}

const messages = (body: unknown): string[] => {
  const r = importCloudFoundry(typeof body === "string" ? body : JSON.stringify(body), "policies.json");
  expect(r.ok).toBe(false);
  return r.ok ? [] : r.issues.map((i: Issue) => formatIssue(i));
};

const ISOLATED = ["✓✗✗", "✗✓✗", "✗✗✓"];

describe("moat import cloudfoundry", () => {
  it("allows exactly what the policies say: protocol and port range, from source app to destination app", () => {
    const model = withApps(importCloudFoundry(example("cloudfoundry/policies.json").text, "policies.json", { network: null }));
    expect(grid(model, 8080)).toEqual(["✓✓✗", "✗✓✗", "✗✗✓"]);
    expect(grid(model, 8081)).toEqual(ISOLATED);
    expect(grid(model, 8080, "UDP")).toEqual(ISOLATED);
    expect(grid(model, 9000, "UDP")).toEqual(["✓✓✗", "✗✓✗", "✗✗✓"]);
    expect(grid(model, 9010, "UDP")).toEqual(["✓✓✗", "✗✓✗", "✗✗✓"]);
    expect(grid(model, 9011, "UDP")).toEqual(ISOLATED);
    expect(grid(model, 5432)).toEqual(["✓✗✗", "✗✓✓", "✗✗✓"]);
    expect(grid(model, 5433)).toEqual(ISOLATED);
  });

  it("gives one Policy per destination app, rules in body order, and the silk Network with isolation: workload", () => {
    const r = importCloudFoundry(example("cloudfoundry/policies.json").text, "policies.json");
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.docs.map((d) => `${d.kind}/${(d.metadata as { name: string }).name}`)).toEqual([
      "Network/silk",
      `Policy/c2c-${B}`,
      "Policy/c2c-5e0c2a81-7a4e-4c3b-9d1f-0a3c6f2b9e47",
    ]);
    expect(r.docs[0]!.spec).toEqual({ subnets: ["10.255.0.0/16"], isolation: "workload" });
    expect(r.docs[1]!.spec).toEqual({
      selector: `cloudfoundry.org/app-guid == "${B}"`,
      types: ["Ingress"],
      ingress: [
        { action: "Allow", protocol: "TCP", ports: [8080], from: { selector: `cloudfoundry.org/app-guid == "${A}"` } },
        { action: "Allow", protocol: "UDP", ports: ["9000:9010"], from: { selector: `cloudfoundry.org/app-guid == "${A}"` } },
      ],
    });
    expect(printManifests(r.docs, "yaml")).toContain('- "9000:9010"');
  });

  it("reads the v0 body (one port), keeps one copy of a repeated policy, and takes another network name and subnet", () => {
    const v0 = importCloudFoundry(example("cloudfoundry/policies-v0.json").text, "v0.json", { network: { name: "overlay", subnet: "10.254.0.0/16" } });
    const twice = JSON.stringify({ policies: [1, 2].map(() => ({ source: { id: A }, destination: { id: B, protocol: "tcp", port: 8080 } })) });
    const deduped = importCloudFoundry(twice, "twice.json", { network: { name: "overlay", subnet: "10.254.0.0/16" } });
    expect(v0).toEqual(deduped);
    expect(v0.ok && v0.docs.map((d) => d.spec)).toEqual([
      { subnets: ["10.254.0.0/16"], isolation: "workload" },
      { selector: `cloudfoundry.org/app-guid == "${B}"`, types: ["Ingress"], ingress: [{ action: "Allow", protocol: "TCP", ports: [8080], from: { selector: `cloudfoundry.org/app-guid == "${A}"` } }] },
    ]);
  });

  it("warns about egress policies it leaves out and a total that does not match", () => {
    const r = importCloudFoundry(JSON.stringify({ total_policies: 3, policies: [], total_egress_policies: 1, egress_policies: [{ source: { id: A }, destination: { protocol: "tcp", ips: [{ start: "1.2.3.4", end: "1.2.3.4" }] } }] }), "p.json");
    expect(r.ok && r.warnings).toEqual([
      "p.json: total_policies is 3 but 0 policies are listed; the body may be cut short",
      "p.json: 1 egress_policies are not imported; only app-to-app policies are",
    ]);
  });

  it("reports every bad policy with its path and value, and imports nothing", () => {
    const policies = [
      { source: { id: A }, destination: { id: B, protocol: "icmp", ports: { start: 1, end: 2 } } },
      { source: { id: A }, destination: { id: B, protocol: "tcp", ports: { start: 9000, end: 80 } } },
      { source: { id: A }, destination: { id: B, protocol: "tcp", ports: { start: 0, end: 70000 } } },
      { source: {}, destination: { id: "not a guid", protocol: "tcp", port: 80 } },
      { source: { id: A }, destination: { id: B, protocol: "udp", port: 53, ports: { start: 53, end: 53 } } },
      { source: { id: A, name: "appA" }, destination: { id: B, protocol: "tcp" } },
    ];
    expect(messages({ policies })).toEqual([
      'policies.json: policies[0].destination.protocol: protocol must be "tcp" or "udp", not "icmp"',
      'policies.json: policies[1].destination.ports: port range "9000-80" starts after it ends',
      "policies.json: policies[2].destination.ports.start: port 0 is not a port in 1-65535",
      "policies.json: policies[2].destination.ports.end: port 70000 is not a port in 1-65535",
      "policies.json: policies[3].source.id: the app id is missing",
      'policies.json: policies[3].destination.id: app id "not a guid" cannot be a label value (1-63 characters of [A-Za-z0-9-_.], starting and ending with a letter or digit)',
      'policies.json: policies[4].destination.port: give "ports" (API v1) or "port" (API v0), not both',
      'policies.json: policies[5].source.name: unknown field "name"; expected one of id, tag',
      'policies.json: policies[5].destination.ports: ports must be {"start": N, "end": N}, but it is missing',
    ]);
    expect(messages({ total_policies: 0 })).toEqual(['policies.json: policies: "policies" must be a list, but it is missing']);
    expect(messages('{"policies": [}')).toEqual(["policies.json: not valid JSON (line 1, column 15): Unexpected token '}'"]);
  });

  it("refuses a network name moat reserves, naming the flag", () => {
    const r = importCloudFoundry('{"policies": []}', "p.json", { network: { name: "moat-overlay", subnet: "10.255.0.0/16" } });
    expect(r.ok ? [] : r.issues.map(formatIssue)).toEqual([
      '--network-name: would import an invalid manifest: Network/moat-overlay: metadata.name: name "moat-overlay" is reserved: names starting with "moat" belong to moat\'s own chains and sets',
    ]);
  });
});
