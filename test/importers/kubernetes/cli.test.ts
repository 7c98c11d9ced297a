// Kubernetes documents through every verb that reads files, alone or beside moat documents.
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { main } from "../../../src/cli/main.js";
import { API_VERSION } from "../../../src/model/index.js";
import { memoryIo, netpol, ns, pod } from "./helpers.js";

const yaml = (...docs: unknown[]) => docs.map((d) => stringify(d, { version: "1.1" })).join("---\n");

const cluster = yaml(
  ns("y"),
  pod("y/web", { ip: "10.244.0.1", labels: { app: "web" }, ports: [[{ name: "http", containerPort: 8080 }]] }),
  pod("y/db", { ip: "10.244.0.2", labels: { app: "db" } }),
);
const denyAll = yaml(netpol("y/deny", { podSelector: { matchLabels: { app: "db" } }, policyTypes: ["Ingress"] }));

async function run(args: string[], files: Record<string, string>) {
  const io = memoryIo(files);
  const code = await main(args, io);
  return { code, out: io.stdout.join(""), err: io.stderr.join("\n") };
}

describe("moat validate, check and matrix read Kubernetes documents", () => {
  it("in separate files", async () => {
    const r = await run(["validate", "-f", "pods.yaml", "-f", "policies.yaml"], { "pods.yaml": cluster, "policies.yaml": denyAll });
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(r.out).toMatch(/^valid: 1 network, 2 workloads, 1 policy in 2 files/);
  });

  it("in one file with moat documents", async () => {
    const moat = { apiVersion: API_VERSION, kind: "Policy", metadata: { name: "web-out", namespace: "y" }, spec: { selector: 'app == "web"', types: ["Egress"], egress: [{ action: "Deny" }] } };
    const files = { "all.yaml": yaml(moat) + "---\n" + cluster + "---\n" + denyAll };
    expect((await run(["validate", "-f", "all.yaml"], files)).out).toMatch(/^valid: 1 network, 2 workloads, 2 policies in 1 file/);
    const denied = await run(["check", "-f", "all.yaml", "--from", "y/web", "--to", "y/db", "--port", "5432"], files);
    expect(denied.code).toBe(1);
    expect(denied.out).toContain("web-out");
  });

  it("as kubectl get -o yaml prints them: a v1 List", async () => {
    const list = stringify({ apiVersion: "v1", kind: "List", items: [ns("y"), pod("y/web", { ip: "10.244.0.1" }), netpol("y/deny", { podSelector: {} })] }, { version: "1.1" });
    expect((await run(["validate", "-f", "list.yaml"], { "list.yaml": list })).out).toMatch(/^valid: 1 network, 1 workload, 1 policy in 1 file/);
  });

  it("moat compile makes a Plan for the pods' node", async () => {
    const r = await run(["compile", "--node", "node-1", "-f", "c.yaml", "-f", "p.yaml", "-o", "json"], { "c.yaml": cluster, "p.yaml": denyAll });
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(r.out).toContain("y/deny");
  });

  it("check names the NetworkPolicy that isolates a pod", async () => {
    const r = await run(["check", "-f", "c.yaml", "-f", "p.yaml", "--from", "y/web", "--to", "y/db", "--port", "5432"], { "c.yaml": cluster, "p.yaml": denyAll });
    expect(r.code).toBe(1);
    expect(r.out).toContain("y/deny");
  });

  it("matrix probes the pods' named ports by default", async () => {
    const r = await run(["matrix", "-f", "c.yaml", "-f", "p.yaml", "-o", "json"], { "c.yaml": cluster, "p.yaml": denyAll });
    expect(r.code).toBe(0);
    const probes = JSON.parse(r.out).probes as { from: string; to: string; port: number; allowed: boolean }[];
    expect(probes.filter((p) => p.from !== p.to).map((p) => `${p.from}>${p.to}:${p.port}:${p.allowed}`)).toEqual(["y/web>y/db:8080:false", "y/db>y/web:8080:true"]);
  });
});

describe("bad input names file, document, resource, path and value, and prints nothing on stdout", () => {
  it("a NetworkPolicy field that does not exist", async () => {
    const bad = yaml(netpol("y/p", { podSelector: {}, ingress: [{ form: [] }] }));
    const r = await run(["matrix", "-f", "c.yaml", "-f", "bad.yaml", "--port", "80"], { "c.yaml": cluster, "bad.yaml": bad });
    expect(r).toMatchObject({ code: 2, out: "" });
    expect(r.err).toBe('bad.yaml#1: NetworkPolicy/y/p: spec.ingress[0].form: unknown field "form" (did you mean "from"?)\n1 issue found');
  });

  it("a pod address that is not one, in the second document of a file", async () => {
    const bad = yaml(ns("y"), pod("y/web", { ip: "10.244.0.999" }));
    const r = await run(["validate", "-f", "bad.yaml"], { "bad.yaml": bad });
    expect(r).toMatchObject({ code: 2, out: "" });
    expect(r.err).toContain('bad.yaml#2: Pod/y/web: status.podIPs[0].ip: "10.244.0.999" is not a valid IPv4 or IPv6 address');
  });

  it("a kind moat does not read", async () => {
    const r = await run(["validate", "-f", "svc.yaml"], { "svc.yaml": yaml({ apiVersion: "v1", kind: "Service", metadata: { name: "s" } }) });
    expect(r).toMatchObject({ code: 2, out: "" });
    expect(r.err).toContain('svc.yaml#1: kind: "v1" "Service" is not supported: moat reads moat.dev/v1 resources, v1 Namespace and Pod, and networking.k8s.io/v1 NetworkPolicy');
  });
});

describe("moat export kubernetes", () => {
  const moatPolicy = (rule: Record<string, unknown>) => yaml({ apiVersion: API_VERSION, kind: "Policy", metadata: { name: "p", namespace: "y" }, spec: { ingress: [{ action: "Allow" }, rule] } });

  it("refuses what it cannot say, naming file, policy and rule, and prints nothing", async () => {
    const r = await run(["export", "kubernetes", "-f", "c.yaml", "-f", "p.yaml"], { "c.yaml": cluster, "p.yaml": moatPolicy({ action: "Deny", from: { selector: 'app == "web"' } }) });
    expect(r).toMatchObject({ code: 2, out: "" });
    expect(r.err).toBe("p.yaml#1: Policy/y/p: spec.ingress[1].action: Deny cannot be expressed: NetworkPolicy rules only allow\n1 issue found");
  });

  it("prints YAML that quotes what a YAML 1.1 reader would take for a boolean", async () => {
    const r = await run(["export", "kubernetes", "-f", "c.yaml", "-f", "p.yaml"], { "c.yaml": cluster, "p.yaml": moatPolicy({ action: "Allow", protocol: "TCP", ports: ["http"] }) });
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(r.out).toContain('name: "y"');
    expect(r.out).toContain("namespace: \"y\"");
    expect(r.out).toContain("port: http");
  });

  it("accepts only known targets and output formats", async () => {
    expect((await run(["export", "calico", "-f", "c.yaml"], { "c.yaml": cluster })).code).toBe(2);
    const r = await run(["export", "kubernetes", "-f", "c.yaml", "-o", "toml"], { "c.yaml": cluster });
    expect(r).toMatchObject({ code: 2, out: "" });
  });
});
