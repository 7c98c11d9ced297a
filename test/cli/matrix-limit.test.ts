// Issue 7: `matrix` on 57k workloads ran out of heap; now it refuses above a stated size, and
// otherwise prints a row at a time.
import { describe, expect, it } from "vitest";
import { APPS, NETWORKS } from "./fixtures.js";
import { run } from "./fake-io.js";

function manyWorkloads(n: number): string {
  const items: unknown[] = [{ apiVersion: "moat.dev/v1", kind: "Network", metadata: { name: "big" }, spec: { subnets: ["10.0.0.0/8"] } }];
  for (let i = 0; i < n; i++) {
    items.push({ apiVersion: "moat.dev/v1", kind: "Workload", metadata: { name: `w-${i}` }, spec: { node: "n", network: "big", ips: [`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`] } });
  }
  return JSON.stringify({ apiVersion: "v1", kind: "List", items });
}

describe("matrix size", () => {
  it("refuses 57,000 workloads at once with the size, the limit and the way out", async () => {
    const start = Date.now();
    const r = await run(["matrix", "-f", "big.json", "--port", "80", "--port", "53/udp"], { "big.json": manyWorkloads(57_000) });
    expect(r).toMatchObject({ code: 2, out: "" });
    expect(r.errLines).toEqual([
      "error: the matrix of 57,000 workloads on 2 ports is 6,498,000,000 probes, above the limit of 1,000,000: each probe is a decision and a line of output; probe fewer ports, give fewer workloads, or raise --limit",
    ]);
    expect(Date.now() - start).toBeLessThan(20_000);
  }, 30_000);

  it("takes --limit, and refuses one that is not a count", async () => {
    const files = { "n.yaml": NETWORKS, "a.yaml": APPS };
    const f = ["-f", "n.yaml", "-f", "a.yaml", "--port", "80"];
    expect((await run(["matrix", ...f, "--limit", "3"], files)).code).toBe(2);
    expect((await run(["matrix", ...f, "--limit", "4"], files)).code).toBe(0);
    for (const bad of ["0", "-1", "1e9", "x", ""]) {
      const r = await run(["matrix", ...f, "--limit", bad], files);
      expect(r.code).toBe(2);
      expect(r.errLines).toEqual([`error: --limit ${JSON.stringify(bad)} is not a whole number of at least 1`]);
    }
  });

  it("prints the same table and JSON as a whole matrix would, in parts", async () => {
    const r = await run(["matrix", "-f", "big.json", "--port", "80", "-o", "json"], { "big.json": manyWorkloads(300) });
    expect(r.code).toBe(0);
    const probes = JSON.parse(r.out).probes as { from: string; to: string }[];
    expect(probes).toHaveLength(90_000);
    expect(probes[301]).toMatchObject({ from: "w-1", to: "w-1" });
    expect(r.out.split("\n").length).toBeGreaterThan(10);
    const table = await run(["matrix", "-f", "big.json", "--port", "80"], { "big.json": manyWorkloads(300) });
    const lines = table.out.split("\n");
    expect(lines[0]).toBe("port 80/TCP  (✓ allowed, ✗ denied; rows: from, columns: to)");
    expect(lines.filter((l) => l.startsWith("w-")).length).toBe(300);
  });
});
