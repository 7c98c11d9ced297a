import { BadRequest, MoatError } from "../errors/index.js";
import type { Model } from "../model/index.js";
import { declaredPorts, matrix, matrixSize, type PortProbe, type Probe } from "../policy/index.js";

/**
 * The most probes a matrix may have unless the caller raises it. Every probe is one decision: a
 * million take seconds and print about 150 MB of JSON; 57,000 workloads would be 3 billion a port.
 */
export const MATRIX_LIMIT = 1_000_000;

/** The ports asked for, or those the workloads declare. */
export function matrixPorts(model: Model, asked: PortProbe[]): PortProbe[] {
  const ports = asked.length ? asked : declaredPorts(model);
  if (!ports.length) throw new BadRequest("no --port given and no workload declares spec.ports");
  return ports;
}

/** Refuses a matrix above the limit, saying how big it would be and why that is refused. */
export function requireMatrixSize(model: Model, ports: PortProbe[], limit = MATRIX_LIMIT): void {
  const size = matrixSize(model, ports);
  if (size <= limit) return;
  const n = (x: number) => x.toLocaleString("en-US");
  throw new MoatError(
    "too-large",
    `the matrix of ${n(model.workloads.length)} workloads on ${ports.length} port${ports.length === 1 ? "" : "s"} is ${n(size)} probes, above the limit of ${n(limit)}: each probe is a decision and a line of output; probe fewer ports, give fewer workloads, or raise --limit`,
  );
}

/** Every ordered pair on the ports asked for, or on those the workloads declare. */
export function matrixAnswer(model: Model, asked: PortProbe[], limit = MATRIX_LIMIT): { probes: Probe[] } {
  const ports = matrixPorts(model, asked);
  requireMatrixSize(model, ports, limit);
  return { probes: matrix(model, ports) };
}
