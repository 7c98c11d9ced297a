import { describe, expect, it } from "vitest";
import { declaredPorts, matrix, pairAddresses } from "../../src/policy/index.js";
import { model, network, policy, workload } from "../model/manifests.js";

const m = model(
  network("v4", ["10.0.0.0/24"], "network"),
  network("dual", ["10.1.0.0/24", "fd00:1::/64"]),
  network("v6", ["fd00:2::/64"]),
  workload("a", { network: "v4", ips: ["10.0.0.1"], ports: [{ name: "http", port: 80 }, { name: "dns", port: 53, protocol: "UDP" }] }),
  workload("b", { network: "dual", ips: ["fd00:1::2", "10.1.0.2"], ports: [{ name: "web", port: 80 }] }),
  workload("c", { network: "v6", namespace: "ns", ips: ["fd00:2::3"], ports: [{ name: "alt", port: 8080, protocol: "TCP" }, { name: "dns", port: 53, protocol: "TCP" }] }),
  policy("udp-only-to-b", { selector: 'moat.dev/name == "b"', ingress: [{ action: "Allow", protocol: "UDP" }] }),
);

describe("pairAddresses", () => {
  const [a, b, c] = m.workloads as [(typeof m.workloads)[0], (typeof m.workloads)[0], (typeof m.workloads)[0]];

  it("uses IPv4 when both ends have it, else IPv6, else nothing", () => {
    expect(pairAddresses(a, b)!.map((ip) => ip.text)).toEqual(["10.0.0.1", "10.1.0.2"]);
    expect(pairAddresses(b, c)!.map((ip) => ip.text)).toEqual(["fd00:1::2", "fd00:2::3"]);
    expect(pairAddresses(c, b)!.map((ip) => ip.text)).toEqual(["fd00:2::3", "fd00:1::2"]);
    expect(pairAddresses(a, c)).toBeUndefined();
    const dual = model(
      network("n", ["10.0.0.0/24", "fd00::/64"]),
      workload("x", { network: "n", ips: ["fd00::1", "10.0.0.1"] }),
      workload("y", { network: "n", ips: ["fd00::2", "10.0.0.2"] }),
    );
    expect(pairAddresses(dual.workloads[0]!, dual.workloads[1]!)!.map((ip) => ip.text)).toEqual(["10.0.0.1", "10.0.0.2"]);
  });
});

describe("declaredPorts", () => {
  it("lists each declared port and protocol once, by number then protocol", () => {
    expect(declaredPorts(m)).toEqual([
      { port: 53, protocol: "TCP" },
      { port: 53, protocol: "UDP" },
      { port: 80, protocol: "TCP" },
      { port: 8080, protocol: "TCP" },
    ]);
  });

  it("is empty when no workload declares a port", () => {
    expect(declaredPorts(model(network("n", ["10.0.0.0/24"]), workload("w", { network: "n", ips: ["10.0.0.1"] })))).toEqual([]);
  });
});

describe("matrix", () => {
  const probes = matrix(m, [{ port: 80, protocol: "TCP" }, { port: 53, protocol: "UDP" }, { protocol: "ICMP" }]);

  it("probes every ordered pair, self included, on every port: port, then source, then destination", () => {
    const names = ["a", "b", "ns/c"];
    const expected = ["80/TCP", "53/UDP", "null/ICMP"].flatMap((p) => names.flatMap((from) => names.map((to) => `${p} ${from}->${to}`)));
    expect(probes.map((p) => `${p.port}/${p.protocol} ${p.from}->${p.to}`)).toEqual(expected);
  });

  it("gives each probe exactly the keys from, to, port, protocol, allowed, reason, in that order", () => {
    for (const p of probes) expect(Object.keys(p)).toEqual(["from", "to", "port", "protocol", "allowed", "reason"]);
  });

  it("carries decide's verdicts: isolation, policies, self-traffic", () => {
    const at = (port: number | null, from: string, to: string) => probes.find((p) => p.port === port && p.from === from && p.to === to)!;
    expect(at(80, "a", "a").allowed).toBe(true);
    expect(at(80, "b", "a").allowed).toBe(false);
    expect(at(80, "a", "b").allowed).toBe(false);
    expect(at(53, "a", "b").allowed).toBe(true);
    expect(at(80, "b", "b").allowed).toBe(true);
    expect(at(80, "b", "ns/c").allowed).toBe(true);
    expect(at(80, "ns/c", "b").allowed).toBe(false);
    expect(at(null, "ns/c", "b").allowed).toBe(false);
    expect(at(80, "a", "b").reason).toContain("udp-only-to-b");
  });

  it("denies a pair with no address family in common, and says so", () => {
    const p = probes.find((x) => x.from === "a" && x.to === "ns/c")!;
    expect(p).toMatchObject({ allowed: false, reason: "no address family in common" });
  });

  it("is empty with no ports, and deterministic", () => {
    expect(matrix(m, [])).toEqual([]);
    expect(matrix(m, [{ port: 80, protocol: "TCP" }, { port: 53, protocol: "UDP" }, { protocol: "ICMP" }])).toEqual(probes);
  });
});
