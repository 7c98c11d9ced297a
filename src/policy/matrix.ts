import type { Ip, Model, PortProtocol, Protocol, Workload } from "../model/index.js";
import { decide } from "./decide.js";

export interface PortProbe {
  port?: number;
  protocol: Protocol;
}

export interface Probe {
  from: string;
  to: string;
  port: number | null;
  protocol: Protocol;
  allowed: boolean;
  reason: string;
}

/** The addresses two workloads would talk over: IPv4 when both have one, else IPv6. */
export function pairAddresses(a: Workload, b: Workload): [Ip, Ip] | undefined {
  for (const family of [4, 6] as const) {
    const x = a.ips.find((ip) => ip.family === family);
    const y = b.ips.find((ip) => ip.family === family);
    if (x && y) return [x, y];
  }
  return undefined;
}

/** The ports the workloads declare, each once, in a stable order. */
export function declaredPorts(model: Model): { port: number; protocol: PortProtocol }[] {
  const seen = new Map<string, { port: number; protocol: PortProtocol }>();
  for (const w of model.workloads) for (const p of w.ports) seen.set(`${p.protocol}/${p.port}`, { port: p.port, protocol: p.protocol });
  return [...seen.values()].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
}

/** How many probes the matrix of these ports has: every ordered pair, self included, on each. */
export const matrixSize = (model: Model, ports: PortProbe[]): number => model.workloads.length ** 2 * ports.length;

/**
 * The matrix one row at a time (one port, one source, every destination), so that a caller can print
 * each row and forget it: memory stays one row, whatever the number of workloads.
 */
export function* matrixRows(model: Model, ports: PortProbe[]): Generator<Probe[]> {
  for (const p of ports) {
    for (const from of model.workloads) {
      const row: Probe[] = [];
      for (const to of model.workloads) {
        const base = { from: from.id, to: to.id, port: p.port ?? null, protocol: p.protocol };
        const pair = pairAddresses(from, to);
        if (!pair) {
          row.push({ ...base, allowed: false, reason: "no address family in common" });
          continue;
        }
        const v = decide(model, { src: pair[0], dst: pair[1], protocol: p.protocol, ...(p.port !== undefined ? { port: p.port } : {}) });
        row.push({ ...base, allowed: v.allowed, reason: v.reason });
      }
      yield row;
    }
  }
}

/** Every ordered pair of workloads, self included, on every port. */
export function matrix(model: Model, ports: PortProbe[]): Probe[] {
  const probes: Probe[] = [];
  for (const row of matrixRows(model, ports)) for (const p of row) probes.push(p);
  return probes;
}
