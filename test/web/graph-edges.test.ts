// The graph's edges and the editor's reading of a refused save, without a browser.
import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/web/api.js";
import { graphContent } from "../../src/web/graph-edges.js";
import { graphFileName } from "../../src/web/graph-view.js";
import { saveFailure } from "../../src/web/policy-editor.js";
import type { UiWorkload } from "../../src/web/resources.js";

const w = (id: string, network: string, namespace?: string): UiWorkload => ({ id, name: id.split("/").at(-1)!, network, ...(namespace ? { namespace } : {}), labels: {}, ports: [] });
const probe = (from: string, to: string, port: number | null, protocol: string, allowed = true) => ({ from, to, port, protocol, allowed, reason: "" });

describe("graph content", () => {
  const ws = [w("a/x", "n1", "a"), w("a/y", "n2", "a"), w("b/z", "n2", "b")];
  const probes = [
    probe("a/x", "a/x", 80, "TCP"),
    probe("a/x", "a/y", 8080, "TCP"),
    probe("a/x", "a/y", 80, "TCP"),
    probe("a/x", "a/y", null, "ICMP"),
    probe("a/y", "b/z", 53, "UDP"),
    probe("b/z", "a/x", 80, "TCP", false),
  ];

  it("groups by network: an edge per pair with allowed traffic, ports in port order, none for a workload to itself", () => {
    expect(graphContent(ws, probes, "network")).toEqual({
      groups: ["network n1", "network n2"],
      edges: [
        { from: "network n1", to: "network n2", ports: ["80/TCP", "8080/TCP", "ICMP"] },
        { from: "network n2", to: "network n2", ports: ["53/UDP"] },
      ],
    });
  });

  it("groups by namespace, the same probes", () => {
    expect(graphContent(ws, probes, "namespace")).toEqual({
      groups: ["namespace a", "namespace b"],
      edges: [
        { from: "namespace a", to: "namespace a", ports: ["80/TCP", "8080/TCP", "ICMP"] },
        { from: "namespace a", to: "namespace b", ports: ["53/UDP"] },
      ],
    });
  });

  it("names the SVG file for what it shows", () => {
    expect(graphFileName("80/TCP", "network", 7)).toBe("moat-graph-80-TCP-network-r7.svg");
    expect(graphFileName("", "namespace", 3)).toBe("moat-graph-all-ports-namespace-r3.svg");
  });
});

describe("a refused save", () => {
  it("keeps each 422 issue's line, reads a 400's line from its message, and says forbidden for a 403", () => {
    const body = { error: "invalid resources", issues: [{ code: "x", path: ["spec", "ingress", 0, "ports", 0], message: "port 99999 is outside 1..65535", file: "body", document: 0, line: 12, resource: "Policy/p" }, { code: "y", path: [], message: "other", file: "<stored>" }] };
    expect(saveFailure(new ApiError(422, "invalid resources", body))).toEqual({
      issues: [
        { line: 12, where: "Policy/p: spec.ingress[0].ports[0]", message: "port 99999 is outside 1..65535" },
        { where: "<stored>", message: "other" },
      ],
    });
    expect(saveFailure(new ApiError(400, "malformed body: body#1: not valid YAML or JSON: bad indentation at line 3, column 5")).issues?.[0]?.line).toBe(3);
    expect(saveFailure(new ApiError(403, "role viewer (eve) may not POST /v1/apply")).error).toMatch(/^Forbidden: .*role viewer.*nothing was stored/);
  });
});
