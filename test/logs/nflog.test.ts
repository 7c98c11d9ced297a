// The NFLOG capture format read back (pcap from tcpdump -i nflog:G -w -): built here byte by byte as
// the kernel and libpcap write it, fed in pieces as a pipe delivers it.
import { describe, expect, it } from "vitest";
import { NflogStream, readPrefix } from "../../src/logs/index.js";
import { logLine } from "../../src/cli/commands/logs.js";
import { modelFrom } from "../kernel/harness.js";

function tlv(type: number, value: Buffer): Buffer {
  const len = 4 + value.length;
  const out = Buffer.alloc((len + 3) & ~3);
  out.writeUInt16LE(len, 0);
  out.writeUInt16LE(type, 2);
  value.copy(out, 4);
  return out;
}

function ipv4Tcp(src: number[], dst: number[], dport: number): Buffer {
  const b = Buffer.alloc(40);
  b[0] = 0x45;
  b[9] = 6;
  Buffer.from(src).copy(b, 12);
  Buffer.from(dst).copy(b, 16);
  b.writeUInt16BE(40000, 20);
  b.writeUInt16BE(dport, 22);
  return b;
}

function ipv6Udp(dport: number): Buffer {
  const b = Buffer.alloc(48);
  b[0] = 0x60;
  b[6] = 17;
  b.writeUInt16BE(0xfd00, 8);
  b.writeUInt16BE(1, 22);
  b.writeUInt16BE(0xfd00, 24);
  b.writeUInt16BE(2, 38);
  b.writeUInt16BE(dport, 42);
  return b;
}

function record(group: number, prefix: string, payload: Buffer, sec: number): Buffer {
  const body = Buffer.concat([Buffer.from([2, 0, group >> 8, group & 0xff]), tlv(1, Buffer.alloc(4)), tlv(10, Buffer.from(`${prefix}\0`)), tlv(9, payload)]);
  const head = Buffer.alloc(16);
  head.writeUInt32LE(sec, 0);
  head.writeUInt32LE(250_000, 4);
  head.writeUInt32LE(body.length, 8);
  head.writeUInt32LE(body.length, 12);
  return Buffer.concat([head, body]);
}

const header = (link = 239) => {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(262144, 16);
  h.writeUInt32LE(link, 20);
  return h;
};

describe("NFLOG capture", () => {
  const stream = Buffer.concat([header(), record(42, "moat deny web/i1", ipv4Tcp([10, 0, 0, 1], [10, 0, 0, 2], 80), 1_700_000_000), record(42, "moat log web/i0", ipv6Udp(53), 1_700_000_001)]);

  it("reads prefix, group, addresses and port of each record, whatever the chunking", () => {
    for (const size of [1, 7, 24, 64, stream.length]) {
      const s = new NflogStream();
      const got = [];
      for (let at = 0; at < stream.length; at += size) got.push(...s.feed(stream.subarray(at, at + size)));
      expect(got).toEqual([
        { time: 1_700_000_000.25, group: 42, prefix: "moat deny web/i1", family: 4, src: "10.0.0.1", dst: "10.0.0.2", protocol: "TCP", dport: 80 },
        { time: 1_700_000_001.25, group: 42, prefix: "moat log web/i0", family: 6, src: "fd00::1", dst: "fd00::2", protocol: "UDP", dport: 53 },
      ]);
    }
  });

  it("refuses a stream that is not an NFLOG capture, naming what it is", () => {
    expect(() => new NflogStream().feed(header(1))).toThrow("not an NFLOG capture (link type 1, expected 239)");
    expect(() => new NflogStream().feed(Buffer.alloc(24, 7))).toThrow(/not a pcap stream/);
  });

  it("prints a line as time, verdict, workloads, port and rule", () => {
    const model = modelFrom(`
apiVersion: moat.dev/v1
kind: Network
metadata: {name: net}
spec: {subnets: [10.0.0.0/24]}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: web}
spec: {node: n1, network: net, ips: [10.0.0.2]}
`);
    const [e] = new NflogStream().feed(stream);
    expect(logLine(e!, model)).toEqual({ time: "2023-11-14T22:13:20.250Z", verdict: "deny", from: "10.0.0.1", to: "web", port: "80/TCP", rule: "web/i1" });
    expect(readPrefix("something else")).toEqual({ verdict: "log", rule: "something else" });
  });
});
