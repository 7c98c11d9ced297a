import { describe, expect, it } from "vitest";
import { run } from "./fake-io.js";
import { FILES } from "./fixtures.js";

const F = ["-f", "nets.yaml", "-f", "apps.yaml"];

describe("moat check", () => {
  it("allowed: exit 0, the verdict and its reason on one line", async () => {
    const r = await run(["check", ...F, "--from", "hr-1", "--to", "it-1", "--port", "80", "--protocol", "TCP"], FILES);
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(r.out.split("\n")).toHaveLength(2);
    expect(r.out).toMatch(/^allowed: .*ingress of it-1: policy hr-to-it ingress rule 0 \(Allow\)\n$/);
  });

  it("denied: exit 1, the verdict and its reason", async () => {
    const r = await run(["check", ...F, "--from", "hr-1", "--to", "it-1", "--port", "8080", "--protocol", "TCP"], FILES);
    expect(r).toMatchObject({ code: 1, err: "" });
    expect(r.out).toBe("denied at ingress of it-1: policy hr-to-it ingress rule 1 (Pass) left it to the network default: network it lets only its own members in (isolation network)\n");
    const it2hr = await run(["check", ...F, "--from", "it-1", "--to", "hr-1", "--port", "8080"], FILES);
    expect(it2hr.code).toBe(1);
    expect(it2hr.out).toMatch(/^denied at ingress of hr-1: no policy applies and network hr lets only its own members in \(isolation network\)/);
  });

  it("protocol defaults to TCP, is case-insensitive, and ICMP needs no port", async () => {
    expect((await run(["check", ...F, "--from", "hr-1", "--to", "it-1", "--port", "80"], FILES)).code).toBe(0);
    expect((await run(["check", ...F, "--from", "hr-1", "--to", "it-1", "--port", "80", "--protocol", "udp"], FILES)).code).toBe(1);
    expect((await run(["check", ...F, "--from", "hr-1", "--to", "it-1", "--protocol", "icmp"], FILES)).code).toBe(1);
  });

  it("takes addresses as well as names, IPv4 and IPv6", async () => {
    expect((await run(["check", ...F, "--from", "192.168.7.7", "--to", "it-1", "--port", "80"], FILES)).code).toBe(1);
    expect((await run(["check", ...F, "--from", "192.168.0.2", "--to", "10.250.0.2", "--port", "80"], FILES)).code).toBe(0);
    // An address in IT's subnet that no workload has is not a member of IT.
    expect((await run(["check", ...F, "--from", "10.250.9.9", "--to", "10.250.0.2", "--port", "80"], FILES)).code).toBe(1);
    expect((await run(["check", ...F, "--from", "fd00:12::9", "--to", "hr-1", "--port", "8080"], FILES)).code).toBe(1);
    expect((await run(["check", ...F, "--from", "hr-1", "--to", "fd00:12::9", "--port", "8080"], FILES)).code).toBe(0);
  });

  it("names workloads by namespace/name, or by name when only one namespace has it", async () => {
    const S = ["-f", "shop.json", "--port", "443"];
    expect((await run(["check", ...S, "--from", "prod/web", "--to", "prod/api"], FILES)).code).toBe(0);
    expect((await run(["check", ...S, "--from", "web", "--to", "dev/api"], FILES)).code).toBe(1);
    const ambiguous = await run(["check", ...S, "--from", "web", "--to", "api"], FILES);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.err).toContain("dev/api");
    expect(ambiguous.err).toContain("prod/api");
  });

  it("-o json: the verdict, its reason, the addresses used and the stages", async () => {
    const r = await run(["check", ...F, "--from", "hr-1", "--to", "it-1", "--port", "80", "-o", "json"], FILES);
    expect(r.code).toBe(0);
    const v = JSON.parse(r.out);
    expect(v).toMatchObject({ from: "hr-1", to: "it-1", src: "192.168.0.2", dst: "10.250.0.2", port: 80, protocol: "TCP", allowed: true });
    expect(v.reason).toMatch(/^allowed: /);
    expect(v.stages.map((s: { stage: string }) => s.stage)).toEqual(["egress", "ingress"]);
    const denied = await run(["check", ...F, "--from", "it-1", "--to", "hr-1", "--protocol", "ICMP", "-o", "json"], FILES);
    expect(denied.code).toBe(1);
    expect(JSON.parse(denied.out)).toMatchObject({ allowed: false, port: null, protocol: "ICMP" });
  });

  it.each([
    ["an unknown workload", ["--from", "hr-9", "--to", "it-1", "--port", "80"], /hr-9/],
    ["a port of 0", ["--from", "hr-1", "--to", "it-1", "--port", "0"], /--port "0"/],
    ["a port above 65535", ["--from", "hr-1", "--to", "it-1", "--port", "65536"], /--port "65536"/],
    ["a port that is not a number", ["--from", "hr-1", "--to", "it-1", "--port", "http"], /--port "http"/],
    ["an unknown protocol", ["--from", "hr-1", "--to", "it-1", "--port", "80", "--protocol", "HTTP"], /--protocol "HTTP"/],
    ["TCP without a port", ["--from", "hr-1", "--to", "it-1"], /--port is required/],
    ["ICMP with a port", ["--from", "hr-1", "--to", "it-1", "--protocol", "ICMP", "--port", "80"], /ICMP/],
    ["no --from", ["--to", "it-1", "--port", "80"], /--from/],
    ["an unknown output format", ["--from", "hr-1", "--to", "it-1", "--port", "80", "-o", "yaml"], /"yaml"/],
    ["addresses of two families", ["--from", "fd00:12::9", "--to", "it-1", "--port", "80"], /IPv6|famil/],
  ])("bad input, %s: exit 2, a message, nothing on stdout", async (_, args, message) => {
    const r = await run(["check", ...F, ...args], FILES);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toMatch(message);
  });

  it("bad input, manifests that do not validate: exit 2 and every issue", async () => {
    const r = await run(["check", "-f", "broken.yaml", "--from", "x", "--to", "x", "--port", "80"], FILES);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.errLines.at(-1)).toBe("4 issues found");
  });
});
