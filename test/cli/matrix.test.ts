import { describe, expect, it } from "vitest";
import { run } from "./fake-io.js";
import { FILES } from "./fixtures.js";

const F = ["-f", "nets.yaml", "-f", "apps.yaml"];
const REASON = /"reason":"(?:[^"\\]|\\.)*"/g;

/** The grids of `moat matrix -o table`: port -> source -> destination -> allowed. */
function readTables(text: string): Record<string, Record<string, Record<string, boolean>>> {
  const grids: Record<string, Record<string, Record<string, boolean>>> = {};
  for (const block of text.split("\n\n").filter((b) => b.trim())) {
    const [title, head, ...rows] = block.split("\n").filter((l) => l !== "");
    const port = /^port (\S+)/.exec(title!)![1]!;
    const columns = head!.split(/\s{2,}/).slice(1);
    grids[port] = {};
    for (const row of rows) {
      const [from, ...cells] = row.split(/\s+/);
      expect(cells).toHaveLength(columns.length);
      grids[port][from!] = Object.fromEntries(columns.map((to, i) => [to, cells[i] === "✓"]));
      expect(cells.every((c) => c === "✓" || c === "✗")).toBe(true);
    }
  }
  return grids;
}

describe("moat matrix -o json", () => {
  it("prints exactly {probes:[{from,to,port,protocol,allowed,reason}]} for every ordered pair on the declared ports", async () => {
    const r = await run(["matrix", ...F, "-o", "json"], FILES);
    expect(r).toMatchObject({ code: 0, err: "" });
    const probe = (from: string, to: string, port: number, allowed: boolean) => `{"from":"${from}","to":"${to}","port":${port},"protocol":"TCP","allowed":${allowed},"reason":"…"}`;
    const expected = `{"probes":[${[
      probe("it-1", "it-1", 80, true),
      probe("it-1", "hr-1", 80, false),
      probe("hr-1", "it-1", 80, true),
      probe("hr-1", "hr-1", 80, true),
      probe("it-1", "it-1", 8080, true),
      probe("it-1", "hr-1", 8080, false),
      probe("hr-1", "it-1", 8080, false),
      probe("hr-1", "hr-1", 8080, true),
    ].join(",")}]}\n`;
    expect(r.out.replace(REASON, '"reason":"…"')).toBe(expected);
    for (const p of JSON.parse(r.out).probes) expect(p.reason).toMatch(p.allowed ? /^allowed/ : /^denied/);
  });

  it("probes the ports given with --port, in that order: N, N/proto, icmp", async () => {
    const r = await run(["matrix", ...F, "--port", "80", "--port", "53/udp", "--port", "icmp", "-o", "json"], FILES);
    expect(r.code).toBe(0);
    const probes = JSON.parse(r.out).probes as { from: string; to: string; port: number | null; protocol: string; allowed: boolean }[];
    expect(probes.map((p) => `${p.port}/${p.protocol}`)).toEqual([...Array(4).fill("80/TCP"), ...Array(4).fill("53/UDP"), ...Array(4).fill("null/ICMP")]);
    const hrToIt = probes.filter((p) => p.from === "hr-1" && p.to === "it-1").map((p) => p.allowed);
    expect(hrToIt).toEqual([true, false, false]);
  });

  it("names namespaced workloads namespace/name", async () => {
    const r = await run(["matrix", "-f", "shop.json", "--port", "443", "-o", "json"], FILES);
    const probes = JSON.parse(r.out).probes as { from: string; to: string; allowed: boolean }[];
    expect(probes.filter((p) => p.allowed).map((p) => `${p.from}->${p.to}`)).toEqual(["prod/api->prod/api", "dev/api->dev/api", "prod/web->prod/api", "prod/web->prod/web"]);
    expect(probes).toHaveLength(9);
  });
});

describe("moat matrix -o table", () => {
  it("is the default: one grid per port, sources as rows, destinations as columns", async () => {
    const r = await run(["matrix", ...F], FILES);
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(readTables(r.out)).toEqual({
      "80/TCP": { "it-1": { "it-1": true, "hr-1": false }, "hr-1": { "it-1": true, "hr-1": true } },
      "8080/TCP": { "it-1": { "it-1": true, "hr-1": false }, "hr-1": { "it-1": false, "hr-1": true } },
    });
    expect((await run(["matrix", ...F, "-o", "table"], FILES)).out).toBe(r.out);
  });

  it("lines the cells up under their column names", async () => {
    const r = await run(["matrix", "-f", "shop.json", "--port", "443", "--port", "icmp"], FILES);
    const [title, head, firstRow] = r.out.split("\n");
    expect(title).toMatch(/^port 443\/TCP/);
    expect(r.out).toMatch(/^port ICMP/m);
    for (const name of ["prod/api", "dev/api", "prod/web"]) {
      const column = head!.indexOf(name);
      expect(column).toBeGreaterThan(0);
      expect("✓✗").toContain(firstRow![column]);
    }
  });
});

describe("moat matrix, bad input: exit 2 and nothing on stdout", () => {
  it.each([
    ["a port that is not a port", ["--port", "http"], /--port/],
    ["a port out of range", ["--port", "0"], /--port/],
    ["an unknown protocol", ["--port", "80/gre"], /gre/],
    ["ICMP with a port", ["--port", "80/icmp"], /ICMP/],
    ["an unknown output format", ["-o", "yaml"], /"yaml"/],
    ["junk after the protocol", ["--port", "80/tcp/x"], /"80\/tcp\/x"/],
  ])("%s", async (_, args, message) => {
    const r = await run(["matrix", ...F, ...args], FILES);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toMatch(message);
  });

  it("no --port and no declared ports", async () => {
    const r = await run(["matrix", "-f", "shop.json"], FILES);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/--port/);
  });

  it("manifests that do not validate", async () => {
    const r = await run(["matrix", "-f", "broken.yaml", "--port", "80"], FILES);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.errLines.at(-1)).toBe("4 issues found");
  });
});
