// `moat policy add|remove|list` as pure edits of a manifest's text: the other documents keep their
// bytes, the result still validates, and the edits mean what `cf add-network-policy` means.
import { describe, expect, it } from "vitest";
import { addPolicy, listPolicies, openManifest, removePolicies, resolveApp, type C2cManifest, type C2cPolicy } from "../../../src/importers/cloudfoundry/index.js";
import { buildModel, formatIssue, parseDocuments } from "../../../src/model/index.js";
import { example, grid } from "../rancher/helpers.js";

const A = "2f978b7f-b3d2-4f50-b08f-776634a6e411";
const B = "c7de6123-d906-4c65-9717-c5d040568c76";
const D = "5e0c2a81-7a4e-4c3b-9d1f-0a3c6f2b9e47";
const APPS = example("cloudfoundry/apps.yaml").text;

function open(text: string): C2cManifest {
  const o = openManifest(text, "apps.yaml");
  if (!o.ok) throw new Error(o.issues.map(formatIssue).join("\n"));
  return o.manifest;
}

function edited(r: ReturnType<typeof addPolicy>): string {
  if (!r.ok) throw new Error(r.issues.map(formatIssue).join("\n"));
  return r.text;
}

const model = (text: string) => {
  const built = buildModel(parseDocuments(text, "apps.yaml").docs);
  if (!built.ok) throw new Error(built.issues.map(formatIssue).join("\n"));
  return built.value;
};

const tcp = (source: string, destination: string, start = 8080, end = start): C2cPolicy => ({ source, destination, protocol: "tcp", start, end });

/** The file's documents as text, split at the `---` lines. */
const documents = (text: string) => text.split(/^---\n/m);

describe("moat policy, on the text of a manifest", () => {
  it("adds a policy as a new Policy at the end; what was there stays byte for byte; then the matrix allows it", () => {
    expect(grid(model(APPS), 8080)).toEqual(["✓✗✗", "✗✓✗", "✗✗✓"]);
    const text = edited(addPolicy(open(APPS), tcp(A, B)));
    expect(text.startsWith(APPS)).toBe(true);
    expect(text.slice(APPS.length)).toBe(
      [
        "---",
        "apiVersion: moat.dev/v1",
        "kind: Policy",
        "metadata:",
        `  name: c2c-${B}`,
        "spec:",
        `  selector: cloudfoundry.org/app-guid == "${B}"`,
        "  types:",
        "    - Ingress",
        "  ingress:",
        "    - action: Allow",
        "      protocol: TCP",
        "      ports:",
        "        - 8080",
        "      from:",
        `        selector: cloudfoundry.org/app-guid == "${A}"`,
        "",
      ].join("\n"),
    );
    expect(grid(model(text), 8080)).toEqual(["✓✓✗", "✗✓✗", "✗✗✓"]);
  });

  it("adds a second policy to the same destination's Policy, re-printing that document only", () => {
    const one = edited(addPolicy(open(APPS), tcp(A, B)));
    const withDb = edited(addPolicy(open(one), tcp(B, D, 5432)));
    const two = edited(addPolicy(open(withDb), { source: D, destination: B, protocol: "udp", start: 9000, end: 9010 }));
    const before = documents(withDb);
    const after = documents(two);
    expect(after).toHaveLength(before.length);
    expect(after.filter((d, i) => d !== before[i])).toHaveLength(1);
    expect(after[4]).toContain('- "9000:9010"');
    expect(listPolicies(open(two))).toEqual([tcp(A, B), { source: D, destination: B, protocol: "udp", start: 9000, end: 9010 }, tcp(B, D, 5432)]);
    const m = model(two);
    expect(grid(m, 9005, "UDP")).toEqual(["✓✗✗", "✗✓✗", "✗✓✓"]);
    expect(grid(m, 5432)).toEqual(["✓✗✗", "✗✓✓", "✗✗✓"]);
  });

  it("changes nothing when the policy is already there", () => {
    const one = edited(addPolicy(open(APPS), tcp(A, B)));
    const again = addPolicy(open(one), tcp(A, B));
    expect(again).toEqual({ ok: true, text: one, changed: [] });
  });

  it("removes one policy, then the last one with its Policy; other documents stay byte for byte", () => {
    const two = edited(addPolicy(open(edited(addPolicy(open(APPS), tcp(A, B)))), tcp(A, B, 9000, 9001)));
    const first = removePolicies(open(two), { source: A, destination: B, protocol: "tcp", start: 8080, end: 8080 });
    expect(first.ok && first.changed).toEqual([tcp(A, B)]);
    const oneLeft = edited(first);
    expect(listPolicies(open(oneLeft))).toEqual([tcp(A, B, 9000, 9001)]);
    expect(documents(oneLeft).slice(0, 4)).toEqual(documents(APPS));
    const none = edited(removePolicies(open(oneLeft), { source: A, destination: B, protocol: "tcp", start: 9000, end: 9001 }));
    expect(none).toBe(APPS);
  });

  it("removes every policy from source to destination when no protocol and port are given, and nothing that does not match", () => {
    const text = [tcp(A, B), tcp(A, B, 9000), tcp(D, B), tcp(A, D)].reduce((t, p) => edited(addPolicy(open(t), p)), APPS);
    const r = removePolicies(open(text), { source: A, destination: B });
    expect(r.ok && r.changed).toEqual([tcp(A, B), tcp(A, B, 9000)]);
    expect(listPolicies(open(edited(r)))).toEqual([tcp(D, B), tcp(A, D)]);
    const miss = removePolicies(open(text), { source: A, destination: B, protocol: "udp", start: 8080, end: 8080 });
    expect(miss).toEqual({ ok: true, text, changed: [] });
  });

  it("keeps comments and flow style of documents it does not edit, and joins no Policy that has other rules", () => {
    const guard = [
      "# hand-written: nobody reaches appB on 22",
      "apiVersion: moat.dev/v1",
      "kind: Policy",
      "metadata: {name: guard}",
      "spec:",
      `  selector: cloudfoundry.org/app-guid == "${B}"`,
      "  ingress:",
      "    - {action: Deny, protocol: TCP, ports: [22]}",
      "",
    ].join("\n");
    const start = `${APPS}---\n${guard}`;
    const text = edited(addPolicy(open(start), tcp(A, B)));
    expect(text.startsWith(start)).toBe(true);
    expect(listPolicies(open(text))).toEqual([tcp(A, B)]);
  });

  it("finds apps by name or GUID, and says so when it cannot", () => {
    const m = open(APPS);
    expect(resolveApp(m, "appB")).toEqual({ ok: true, guid: B });
    expect(resolveApp(m, D)).toEqual({ ok: true, guid: D });
    expect(resolveApp(m, "0a0b0c0d-1111-2222-3333-444455556666")).toEqual({ ok: true, guid: "0a0b0c0d-1111-2222-3333-444455556666" });
    expect(resolveApp(m, "pineapple")).toEqual({ ok: false, message: "App pineapple not found" });
    const twice = open(APPS.replace("cloudfoundry.org/app-name: db", "cloudfoundry.org/app-name: appB"));
    expect(resolveApp(twice, "appB")).toEqual({ ok: false, message: `App appB is ambiguous: it names apps ${B}, ${D}; give a GUID` });
  });

  it("refuses to edit a file that does not parse, or that holds a list of resources", () => {
    const broken = openManifest("kind: Policy\nspec: [\n", "broken.yaml");
    expect(broken.ok).toBe(false);
    expect(!broken.ok && broken.issues[0]).toMatchObject({ code: "syntax", file: "broken.yaml", document: 0 });
    const list = open(JSON.stringify([{ apiVersion: "moat.dev/v1", kind: "Network", metadata: { name: "silk" }, spec: { subnets: ["10.255.0.0/16"] } }]));
    const r = addPolicy(list, tcp(A, B));
    expect(!r.ok && r.issues.map(formatIssue)).toEqual([
      "apps.yaml#1: this document holds a list of resources; policy add and remove edit YAML files with one resource per document",
    ]);
  });

  it("refuses to append a Policy whose name another Policy already has", () => {
    const taken = `${APPS}---\napiVersion: moat.dev/v1\nkind: Policy\nmetadata: {name: c2c-${B}}\nspec: {selector: all(), ingress: [{action: Deny}]}\n`;
    const r = addPolicy(open(taken), tcp(A, B));
    expect(!r.ok && r.issues.map(formatIssue)).toEqual([`apps.yaml#5: metadata.name: Policy "c2c-${B}" exists but is not the Cloud Foundry policy of app ${B}; rename it first`]);
  });
});
