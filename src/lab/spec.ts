// What a lab is built from: the networks and workloads of a moat Model, plus which networks hang off a
// Linux bridge. Pure.
import type { Cidr, Model, Workload } from "../model/index.js";

export interface LabNetwork {
  name: string;
  subnets: readonly Cidr[];
  /** A network with a bridge is attached in bridge mode, its bridge carrying this name on every node. */
  bridge?: string;
}

export interface LabSpec {
  networks: readonly LabNetwork[];
  workloads: readonly Workload[];
  /** Networks attached in bridge mode even without a `bridge` name of their own. */
  bridged?: readonly string[];
}

export const MAX_INTERFACE_NAME = 15;

/**
 * A copy of the model in which every workload without `interface` gets a deterministic one
 * (`lw<index>`, index in model.workloads), never colliding with a name already taken on its node.
 * The lab needs a host-side interface per workload, and rules dispatch on it, so both must see the same name.
 */
export function withLabInterfaces<M extends Pick<Model, "workloads">>(model: M): M {
  const taken = new Set(model.workloads.filter((w) => w.interface).map((w) => `${w.node}\n${w.interface}`));
  const workloads = model.workloads.map((w, index) => {
    if (w.interface) return w;
    let name = `lw${index}`;
    for (let n = 1; taken.has(`${w.node}\n${name}`); n++) name = `lw${index}x${n}`;
    taken.add(`${w.node}\n${name}`);
    return { ...w, interface: name };
  });
  return { ...model, workloads };
}
