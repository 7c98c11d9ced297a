// What `tcpdump -i nflog:GROUP -w -` writes, read back: a pcap stream of NFLOG records (link type 239),
// each a small header and TLVs, of which moat wants the prefix (which policy rule logged) and the
// packet (who to whom, which port). Pure: bytes in, log entries out.

/** One logged packet. */
export interface NflogEntry {
  /** Seconds since the epoch, with microseconds. */
  time: number;
  group: number;
  prefix: string;
  family: 4 | 6;
  src: string;
  dst: string;
  protocol: "TCP" | "UDP" | "SCTP" | "ICMP" | string;
  dport?: number;
}

const LINKTYPE_NFLOG = 239;
const NFULA_PAYLOAD = 9;
const NFULA_PREFIX = 10;
const PROTOCOLS: Record<number, string> = { 1: "ICMP", 6: "TCP", 17: "UDP", 58: "ICMP", 132: "SCTP" };

/** The addresses, protocol and destination port of an IPv4 or IPv6 packet; undefined when it is neither. */
function packetOf(b: Buffer): Pick<NflogEntry, "family" | "src" | "dst" | "protocol" | "dport"> | undefined {
  const version = b.length ? b[0]! >> 4 : 0;
  if (version === 4 && b.length >= 20) {
    const ihl = (b[0]! & 0x0f) * 4;
    const proto = b[9]!;
    const src = [...b.subarray(12, 16)].join(".");
    const dst = [...b.subarray(16, 20)].join(".");
    return { family: 4, src, dst, protocol: PROTOCOLS[proto] ?? String(proto), ...portOf(b, ihl, proto) };
  }
  if (version === 6 && b.length >= 40) {
    const proto = b[6]!;
    const hex = (o: number) => Array.from({ length: 8 }, (_, i) => b.readUInt16BE(o + i * 2).toString(16)).join(":").replace(/(^|:)0(:0)+(:|$)/, "::");
    return { family: 6, src: hex(8), dst: hex(24), protocol: PROTOCOLS[proto] ?? String(proto), ...portOf(b, 40, proto) };
  }
  return undefined;
}

const portOf = (b: Buffer, at: number, proto: number) => ((proto === 6 || proto === 17 || proto === 132) && b.length >= at + 4 ? { dport: b.readUInt16BE(at + 2) } : {});

/** One NFLOG record (after the pcap record header). TLV lengths are in host order: little endian here. */
export function parseNflogRecord(b: Buffer, time: number): NflogEntry | undefined {
  if (b.length < 4) return undefined;
  const group = b.readUInt16BE(2);
  let prefix = "";
  let packet: ReturnType<typeof packetOf>;
  for (let at = 4; at + 4 <= b.length; ) {
    const len = b.readUInt16LE(at);
    const type = b.readUInt16LE(at + 2) & 0x7fff;
    if (len < 4 || at + len > b.length) break;
    const value = b.subarray(at + 4, at + len);
    if (type === NFULA_PREFIX) prefix = value.toString("latin1").replace(/\0.*$/s, "");
    if (type === NFULA_PAYLOAD) packet = packetOf(value);
    at += (len + 3) & ~3;
  }
  return packet ? { time, group, prefix, ...packet } : undefined;
}

/** A pcap stream read as it arrives: feed chunks, get the entries complete so far. */
export class NflogStream {
  private buf: Buffer = Buffer.alloc(0);
  private header?: { little: boolean; nano: boolean };

  feed(chunk: Buffer): NflogEntry[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: NflogEntry[] = [];
    if (!this.header) {
      if (this.buf.length < 24) return out;
      const magic = this.buf.readUInt32LE(0);
      const known: Record<number, { little: boolean; nano: boolean }> = { 0xa1b2c3d4: { little: true, nano: false }, 0xa1b23c4d: { little: true, nano: true }, 0xd4c3b2a1: { little: false, nano: false }, 0x4d3cb2a1: { little: false, nano: true } };
      const h = known[magic];
      if (!h) throw new Error(`not a pcap stream (magic 0x${magic.toString(16)})`);
      const link = h.little ? this.buf.readUInt32LE(20) : this.buf.readUInt32BE(20);
      if (link !== LINKTYPE_NFLOG) throw new Error(`not an NFLOG capture (link type ${link}, expected ${LINKTYPE_NFLOG})`);
      this.header = h;
      this.buf = this.buf.subarray(24);
    }
    const u32 = (o: number) => (this.header!.little ? this.buf.readUInt32LE(o) : this.buf.readUInt32BE(o));
    while (this.buf.length >= 16) {
      const incl = u32(8);
      if (this.buf.length < 16 + incl) break;
      const time = u32(0) + u32(4) / (this.header.nano ? 1e9 : 1e6);
      const entry = parseNflogRecord(this.buf.subarray(16, 16 + incl), time);
      if (entry) out.push(entry);
      this.buf = this.buf.subarray(16 + incl);
    }
    return out;
  }
}

/** "moat deny web/i0" -> deny, "web/i0"; a prefix that is not moat's keeps its text as the rule. */
export function readPrefix(prefix: string): { verdict: string; rule: string } {
  const m = /^moat (log|deny) (.*)$/.exec(prefix.trim());
  return m ? { verdict: m[1]!, rule: m[2]! } : { verdict: "log", rule: prefix.trim() };
}
