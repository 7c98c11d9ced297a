import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cidrContains, cidrsOverlap, parseCidr, parseIp, type Cidr, type Ip } from "../../src/model/index.js";

const ip = (text: string): Ip => {
  const r = parseIp(text);
  if (!r.ok) throw new Error(r.message);
  return r.value;
};
const cidr = (text: string): Cidr => {
  const r = parseCidr(text);
  if (!r.ok) throw new Error(r.message);
  return r.value;
};
const cidrError = (text: string): string => {
  const r = parseCidr(text);
  if (r.ok) throw new Error(`${text} parsed`);
  return r.message;
};

describe("parseIp", () => {
  it("reads IPv4 and IPv6, IPv6 in its canonical short form", () => {
    expect(ip("10.0.0.1")).toEqual({ family: 4, value: 0x0a000001n, text: "10.0.0.1" });
    expect(ip("FD00:0:0::1")).toEqual({ family: 6, value: (0xfd00n << 112n) | 1n, text: "fd00::1" });
    expect(ip("192.168.0.0").family).toBe(4);
  });

  it.each(["10.0.0", "10.0.0.256", "010.0.0.1", "10.0.0.1/32", "fe80::1%eth0", "", "fd00::g", "web-1"])("refuses %j", (text) => {
    const r = parseIp(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(JSON.stringify(text));
  });
});

describe("parseCidr", () => {
  it("reads IPv4 and IPv6 prefixes, and a bare address as a host prefix", () => {
    expect(cidr("10.0.0.0/8")).toMatchObject({ family: 4, base: 0x0a000000n, prefix: 8, text: "10.0.0.0/8" });
    expect(cidr("fd00:1::/64")).toMatchObject({ family: 6, prefix: 64, text: "fd00:1::/64" });
    expect(cidr("10.1.2.3")).toMatchObject({ prefix: 32, text: "10.1.2.3/32" });
    expect(cidr("fd00::5")).toMatchObject({ prefix: 128, text: "fd00::5/128" });
    expect(cidr("0.0.0.0/0").prefix).toBe(0);
    expect(cidr("::/0").family).toBe(6);
  });

  it("names the malformed value, as in the DC/OS typo 192.168.0.0./16", () => {
    expect(cidrError("192.168.0.0./16")).toContain('"192.168.0.0./16" is not a valid CIDR');
    expect(cidrError("10.0.0.0/33")).toMatch(/"10.0.0.0\/33".*0\.\.32/);
    expect(cidrError("fd00::/129")).toMatch(/"fd00::\/129".*0\.\.128/);
    expect(cidrError("10.0.0.0/")).toContain('"10.0.0.0/"');
    expect(cidrError("10.0.0.0/8/8")).toContain('"10.0.0.0/8/8"');
    expect(cidrError("10.0.0.0/-1")).toContain('"10.0.0.0/-1"');
  });

  it("refuses host bits and suggests the network address", () => {
    expect(cidrError("10.0.0.1/8")).toBe('"10.0.0.1/8" has host bits set; did you mean "10.0.0.0/8"?');
    expect(cidrError("fd00::1/64")).toBe('"fd00::1/64" has host bits set; did you mean "fd00::/64"?');
    expect(cidrError("192.168.1.0/16")).toContain('did you mean "192.168.0.0/16"');
  });

  it("takes any address with its host bits cleared, and contains that address", () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), (text, prefix) => {
        const address = ip(text);
        const hostBits = prefix === 32 ? 0n : (1n << BigInt(32 - prefix)) - 1n;
        const base = address.value & ~hostBits & 0xffffffffn;
        const direct = parseCidr(`${text}/${prefix}`);
        expect(direct.ok).toBe(base === address.value);
        const baseText = [24n, 16n, 8n, 0n].map((s) => (base >> s) & 0xffn).join(".");
        const c = cidr(`${baseText}/${prefix}`);
        expect(cidrContains(c, address)).toBe(true);
      }),
    );
  });
});

describe("cidrContains and cidrsOverlap", () => {
  it("includes both ends of a prefix and nothing beyond", () => {
    const c = cidr("10.0.0.0/24");
    expect(cidrContains(c, ip("10.0.0.0"))).toBe(true);
    expect(cidrContains(c, ip("10.0.0.255"))).toBe(true);
    expect(cidrContains(c, ip("10.0.1.0"))).toBe(false);
    expect(cidrContains(c, ip("9.255.255.255"))).toBe(false);
  });

  it("never mixes families", () => {
    expect(cidrContains(cidr("0.0.0.0/0"), ip("::1"))).toBe(false);
    expect(cidrContains(cidr("::/0"), ip("10.0.0.1"))).toBe(false);
    expect(cidrContains(cidr("::/0"), ip("fd00::1"))).toBe(true);
    expect(cidrsOverlap(cidr("0.0.0.0/0"), cidr("::/0"))).toBe(false);
  });

  it("sees overlap when one prefix holds the other, and not between neighbours", () => {
    expect(cidrsOverlap(cidr("10.0.0.0/8"), cidr("10.250.0.0/16"))).toBe(true);
    expect(cidrsOverlap(cidr("10.250.0.0/16"), cidr("10.0.0.0/8"))).toBe(true);
    expect(cidrsOverlap(cidr("10.0.0.0/24"), cidr("10.0.1.0/24"))).toBe(false);
    expect(cidrsOverlap(cidr("fd00::/64"), cidr("fd00::1/128"))).toBe(true);
  });
});
