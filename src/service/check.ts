// "Is this new connection allowed, and why": the answer the CLI prints and the server returns.
import { BadRequest } from "../errors/index.js";
import type { Model, Protocol } from "../model/index.js";
import { decide, type Verdict } from "../policy/index.js";
import { flowAddresses, resolveEndpoint } from "./endpoints.js";

export interface CheckRequest {
  from: string;
  to: string;
  protocol: Protocol;
  port?: number;
}

export type CheckVerdict = Verdict & { src: string; dst: string };

/** What `moat check -o json` prints and `POST /v1/check` returns. */
export interface CheckAnswer extends Omit<CheckVerdict, "src" | "dst"> {
  from: string;
  to: string;
  src: string;
  dst: string;
  port: number | null;
  protocol: Protocol;
}

export function runCheck(model: Model, req: CheckRequest): CheckVerdict {
  if (req.protocol !== "ICMP" && req.port === undefined) throw new BadRequest(`--port is required for ${req.protocol}`);
  if (req.protocol === "ICMP" && req.port !== undefined) throw new BadRequest("--port does not apply to ICMP");
  const [src, dst] = flowAddresses(resolveEndpoint(model, req.from, "--from"), resolveEndpoint(model, req.to, "--to"));
  const flow = { src, dst, protocol: req.protocol, ...(req.port !== undefined ? { port: req.port } : {}) };
  return { ...decide(model, flow), src: src.text, dst: dst.text };
}

export function checkAnswer(model: Model, req: CheckRequest): CheckAnswer {
  const { src, dst, allowed, reason, stages, logged } = runCheck(model, req);
  return { from: req.from, to: req.to, src, dst, port: req.port ?? null, protocol: req.protocol, allowed, reason, stages, logged };
}
