import { PROTOCOLS, type Protocol } from "../model/index.js";
import type { PortProbe } from "../policy/index.js";
import { UsageError } from "./errors.js";

export const collect = (value: string, previous: string[]) => [...previous, value];

export function parseProtocol(text: string, flag = "--protocol"): Protocol {
  const p = text.toUpperCase() as Protocol;
  if (!PROTOCOLS.includes(p)) throw new UsageError(`${flag} ${JSON.stringify(text)} is not a protocol; expected one of ${PROTOCOLS.join(", ")}`);
  return p;
}

export function parsePort(text: string, flag = "--port"): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= 65535)) throw new UsageError(`${flag} ${JSON.stringify(text)} is not a port in 1..65535`);
  return n;
}

/** "80", "80/tcp", "53/UDP", "icmp" */
export function parsePortProbe(text: string): PortProbe {
  if (/^icmp$/i.test(text)) return { protocol: "ICMP" };
  const parts = text.split("/");
  if (parts.length > 2) throw new UsageError(`--port ${JSON.stringify(text)} is not a port: expected N, N/PROTOCOL or icmp`);
  const [port, protocol] = parts;
  const proto = protocol === undefined ? "TCP" : parseProtocol(protocol, "--port");
  if (proto === "ICMP") throw new UsageError(`--port ${JSON.stringify(text)}: ICMP has no port; write --port icmp`);
  return { port: parsePort(port!, "--port"), protocol: proto };
}

export function parseOutput<T extends string>(text: string, allowed: readonly T[]): T {
  if (!allowed.includes(text as T)) throw new UsageError(`-o ${JSON.stringify(text)} is not an output format; expected one of ${allowed.join(", ")}`);
  return text as T;
}

/** A whole number of at least 1, e.g. --limit. */
export function parseCount(text: string, flag: string): number {
  const n = /^\d{1,15}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1)) throw new UsageError(`${flag} ${JSON.stringify(text)} is not a whole number of at least 1`);
  return n;
}
