import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { exactCover, parseKubeCidr } from "../../../src/importers/kubernetes/cidr.js";
import { cidrContains, parseCidr, parseIp, type Ip } from "../../../src/model/index.js";

const ip = (t: string) => (parseIp(t) as { ok: true; value: Ip }).value;

describe("exactCover", () => {
  it("joins runs into aligned prefixes and keeps the families apart", () => {
    const ips = ["10.0.0.4", "10.0.0.0", "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.7", "fd00::1", "fd00::0"].map(ip);
    expect(exactCover(ips)).toEqual(["10.0.0.0/30", "10.0.0.4/32", "10.0.0.7/32", "fd00::/127"]);
    expect(exactCover(["10.0.0.255", "10.0.1.0"].map(ip))).toEqual(["10.0.0.255/32", "10.0.1.0/32"]);
    expect(exactCover(Array.from({ length: 256 }, (_, i) => ip(`10.0.3.${i}`)))).toEqual(["10.0.3.0/24"]);
  });

  it("covers exactly the given addresses, whatever they are", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 63 }), { maxLength: 64 }), (offsets) => {
        const cover = exactCover(offsets.map((o) => ip(`192.168.0.${o}`))).map((t) => (parseCidr(t) as { ok: true; value: Parameters<typeof cidrContains>[0] }).value);
        for (let o = 0; o < 64; o++) {
          const inside = cover.filter((c) => cidrContains(c, ip(`192.168.0.${o}`))).length;
          expect(inside).toBe(offsets.includes(o) ? 1 : 0);
        }
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});

describe("parseKubeCidr", () => {
  it("masks host bits as Go's ParseCIDR does, and refuses what is not a CIDR", () => {
    const text = (t: string) => {
      const c = parseKubeCidr(t);
      return c.ok ? c.value.text : c.message;
    };
    expect(text("10.244.1.1/4")).toBe("0.0.0.0/4");
    expect(text("fd00::1:2/112")).toBe("fd00::1:0/112");
    expect(text("10.0.0.0/8")).toBe("10.0.0.0/8");
    expect(text("10.0.0.1")).toBe('"10.0.0.1" is not a CIDR: expected an IPv4 or IPv6 address, "/" and a prefix length');
    expect(text("10.0.0.0/33")).toBe('"10.0.0.0/33" is not a CIDR: the prefix length must be 0..32');
  });
});
