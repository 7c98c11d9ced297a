// moat matrix -o dot and -o html, offline: the same verdicts as -o json, and user text escaped.
import { describe, expect, it } from "vitest";
import { matrixDot, matrixHtml } from "../../src/cli/commands/matrix-pictures.js";
import type { Probe } from "../../src/policy/index.js";
import { runOnDisk } from "./fake-io.js";

const run = (args: string[]) => runOnDisk(args);

describe("moat matrix -o dot|html", () => {
  it("draws the DC/OS example's networks with the ports allowed between them", async () => {
    const r = await run(["matrix", "-f", "examples/dcos-overlays.yaml", "--port", "80", "--port", "8080", "-o", "dot"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('"network hr" -> "network it" [label="80/TCP"];');
    expect(r.out).not.toMatch(/"network it" -> "network hr"/);
    expect(r.out).toMatch(/^digraph moat \{\n/);
    expect(r.out.trim().endsWith("}")).toBe(true);
  });

  it("writes one self-contained page whose cells equal -o json", async () => {
    const json = JSON.parse((await run(["matrix", "-f", "examples/cloudfoundry-c2c.yaml", "-o", "json"])).out) as { probes: Probe[] };
    const page = (await run(["matrix", "-f", "examples/cloudfoundry-c2c.yaml", "-o", "html"])).out;
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).not.toMatch(/<script|src=|href=/i);
    const cells = [...page.matchAll(/<td data-from="([^"]*)" data-to="([^"]*)" data-port="([^"]*)" data-protocol="([^"]*)" data-allowed="(true|false)"/g)].map((m) => [m[1], m[2], m[3], m[4], m[5]]);
    expect(cells).toEqual(json.probes.map((p) => [p.from, p.to, String(p.port ?? ""), p.protocol, String(p.allowed)]));
    expect(cells.length).toBeGreaterThan(4);
  });

  it("escapes what it prints: HTML entities and DOT quotes, control characters made visible", () => {
    const p: Probe = { from: 'a"<img src=x onerror=alert(1)>', to: "b\n-x", port: 80, protocol: "TCP", allowed: true, reason: "<b>why</b> & 'so'" };
    const page = matrixHtml([[p]], [p.from]);
    expect(page).not.toContain("<img");
    expect(page).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(page).toContain('title="&lt;b&gt;why&lt;/b&gt; &amp; &#39;so&#39;"');
    const dot = matrixDot([[p]], new Map([[p.from, 'network "x"\\'], [p.to, "network y\n"]]));
    expect(dot).toContain('"network \\"x\\"\\\\" -> "network y\\\\n"');
    expect(dot.split("\n").every((l) => !l.includes("\r"))).toBe(true);
  });

  it("asks for files with --server", async () => {
    const r = await run(["matrix", "--server", "http://127.0.0.1:9", "-o", "dot"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/-o dot works on files/);
  });
});
