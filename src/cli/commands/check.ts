import type { Model, Protocol } from "../../model/index.js";
import { decide, type Verdict } from "../../policy/index.js";
import { flowAddresses, resolveEndpoint } from "../endpoints.js";
import { UsageError } from "../errors.js";

export interface CheckRequest {
  from: string;
  to: string;
  protocol: Protocol;
  port?: number;
}

export function runCheck(model: Model, req: CheckRequest): Verdict & { src: string; dst: string } {
  if (req.protocol !== "ICMP" && req.port === undefined) throw new UsageError(`--port is required for ${req.protocol}`);
  if (req.protocol === "ICMP" && req.port !== undefined) throw new UsageError("--port does not apply to ICMP");
  const [src, dst] = flowAddresses(resolveEndpoint(model, req.from, "--from"), resolveEndpoint(model, req.to, "--to"));
  const flow = { src, dst, protocol: req.protocol, ...(req.port !== undefined ? { port: req.port } : {}) };
  return { ...decide(model, flow), src: src.text, dst: dst.text };
}
