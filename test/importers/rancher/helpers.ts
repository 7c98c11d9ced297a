// Rancher inputs shaped as Rancher's v2-beta API returns them, and the way back from imported
// manifests to a matrix: buildModel on what the importer printed, then `matrix`.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import type { ImportResult } from "../../../src/importers/emit.js";
import { printManifests } from "../../../src/importers/emit.js";
import { buildModel, formatIssue, parseDocuments, type Issue, type Model, type Protocol } from "../../../src/model/index.js";
import { matrix } from "../../../src/policy/index.js";

const root = fileURLToPath(new URL("../../..", import.meta.url));

export const example = (path: string) => ({ file: path, text: readFileSync(`${root}/examples/imports/${path}`, "utf8") });

/** The importer's output printed as YAML and read back as a user's file would be: it must validate. */
export function modelOf(result: ImportResult): Model {
  if (!result.ok) throw new Error(`import failed:\n${result.issues.map(formatIssue).join("\n")}`);
  const text = printManifests(result.docs, "yaml");
  const parsed = parseDocuments(text, "imported.yaml");
  expect(parsed.issues).toEqual([]);
  const built = buildModel(parsed.docs);
  if (!built.ok) throw new Error(`imported manifests do not validate:\n${built.issues.map(formatIssue).join("\n")}\n${text}`);
  return built.value;
}

/** One row of marks per source, in workload order: ✓ allowed, ✗ denied. */
export function grid(model: Model, port: number, protocol: Protocol = "TCP"): string[] {
  const probes = matrix(model, [{ port, protocol }]);
  return model.workloads.map((from) => probes.filter((p) => p.from === from.id).map((p) => (p.allowed ? "✓" : "✗")).join(""));
}

export function issuesOf(result: ImportResult): Issue[] {
  expect(result.ok).toBe(false);
  return result.ok ? [] : result.issues;
}

export function network(policy: unknown, defaultPolicyAction: unknown = "deny", extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id: "1n5",
    type: "network",
    baseType: "network",
    name: "ipsec",
    state: "active",
    kind: "network",
    defaultPolicyAction,
    description: null,
    policy,
    subnets: [{ type: "subnet", networkAddress: "10.42.0.0", cidrSize: 16, gateway: "10.42.0.1" }],
    ...extra,
  });
}

let next = 10;
/** A running container of service "stack/service" (its nth with "stack/service#n"), named as Rancher names them. */
export function container(id: string, labels: Record<string, string> = {}, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const [, stack, service, n] = /^([^/]+)\/([^#]+)(?:#(\d+))?$/.exec(id)!;
  const ip = `10.42.1.${next++}`;
  return {
    id: `1i${next}`,
    type: "container",
    baseType: "instance",
    kind: "container",
    name: `${stack}-${service}-${n ?? 1}`,
    state: "running",
    hostId: next % 2 ? "1h1" : "1h2",
    primaryIpAddress: ip,
    networkMode: "managed",
    system: false,
    ports: null,
    labels: { "io.rancher.stack.name": stack, "io.rancher.stack_service.name": `${stack}/${service}`, "io.rancher.container.ip": `${ip}/16`, ...labels },
    ...extra,
  };
}

export const collection = (data: unknown[]) => JSON.stringify({ type: "collection", resourceType: "container", data });
