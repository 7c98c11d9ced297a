// Which node a command acts for. A wrong --node is the quietest way to switch isolation off: compiled
// for a node no workload is on, the Plan has no local workloads, and applying it removes every rule
// the host enforces (issue 7). So a node name must be one, and be a node the manifests place
// workloads on, unless the caller says an empty node is meant (apply --allow-empty).
import { BadRequest } from "../errors/index.js";
import { nearest, nodeNameProblem, show, type Model } from "../model/index.js";
import { modelNodes } from "./plan.js";

export interface NodeCheck {
  /** Accept a node that no workload is on (the Plan then enforces nothing locally). */
  allowEmpty?: boolean;
  /** The flag that gave the name, for the message. */
  flag?: string;
  /** The flag that would allow an empty node here, named in the message when there is one. */
  allowEmptyFlag?: string;
  /** Told, instead of thrown, that no workload is on the node (a bad name is thrown all the same). */
  warn?: (message: string) => void;
}

const LISTED = 20;

export function requireNode(model: Model, node: string, opts: NodeCheck = {}): void {
  const flag = opts.flag ?? "--node";
  const problem = nodeNameProblem(node);
  if (problem) throw new BadRequest(`${flag} ${show(node)}: ${problem}`);
  if (opts.allowEmpty || model.workloads.some((w) => w.node === node)) return;
  const nodes = modelNodes(model);
  const near = nearest(node, nodes);
  const hint = near.length ? ` (did you mean ${near.map(show).join(" or ")}?)` : "";
  const known = !nodes.length
    ? "the manifests place no workload on any node"
    : `the nodes with workloads are ${nodes.slice(0, LISTED).join(", ")}${nodes.length > LISTED ? ` and ${nodes.length - LISTED} more` : ""}`;
  const empty = opts.allowEmptyFlag ? `; to enforce nothing on this node (removing its rules), give ${opts.allowEmptyFlag}` : "";
  const message = `${flag} ${show(node)}: no workload is on this node${hint}; ${known}${empty}`;
  if (opts.warn) return opts.warn(message);
  throw new BadRequest(message);
}
