import { BadRequest } from "../errors/index.js";
import type { Model } from "../model/index.js";
import { declaredPorts, matrix, type PortProbe, type Probe } from "../policy/index.js";

/** Every ordered pair on the ports asked for, or on those the workloads declare. */
export function matrixAnswer(model: Model, asked: PortProbe[]): { probes: Probe[] } {
  const ports = asked.length ? asked : declaredPorts(model);
  if (!ports.length) throw new BadRequest("no --port given and no workload declares spec.ports");
  return { probes: matrix(model, ports) };
}
