// `moat explain`: for one flow, the policy rule that decides (decide) and the kernel rule of a node that
// implements it, with the packets and bytes the kernel counted on it.
import { walkRuleset, analyzedPacketOf, type AnalyzedRule, type RulesWalk } from "../../analyze/index.js";
import { processRunner, type Runner } from "../../dataplane/index.js";
import type { Model, Protocol } from "../../model/index.js";
import { describeStage, lookup } from "../../policy/index.js";
import { checkAnswer, flowAddresses, readKernelRules, resolveEndpoint, type CheckAnswer } from "../../service/index.js";
import { withOptionalFiles, type RegisterCommand } from "../context.js";
import { withServer, type ServerFlags } from "../online.js";
import { EXIT, UsageError } from "../errors.js";
import { parseOutput, parsePort, parseProtocol } from "../options.js";
import { modelOf } from "./verify.js";

export interface Explanation {
  decide: CheckAnswer;
  node: string;
  kernel: {
    allowed: boolean;
    verdict: string;
    rule: { file: string; line: number; text: string; packets: string | null; bytes: string | null } | null;
    path: { chain: string; line: number; text: string }[];
  };
}

const ruleView = (r: AnalyzedRule) => ({ file: r.loc.file, line: r.loc.line, text: `-A ${r.chain} ${r.text}` });

export async function runExplain(runner: Runner, model: Model, req: { from: string; to: string; protocol: Protocol; port?: number; node: string }): Promise<Explanation> {
  const answer = checkAnswer(model, req);
  const [src, dst] = flowAddresses(resolveEndpoint(model, req.from, "--from"), resolveEndpoint(model, req.to, "--to"));
  const l = lookup(model);
  const on = [l.workloadAt(src)?.node, l.workloadAt(dst)?.node];
  if (!on.includes(req.node)) throw new UsageError(`the flow ${src.text} -> ${dst.text} does not pass node ${JSON.stringify(req.node)} (it passes ${on.filter(Boolean).join(", ") || "no node of the manifests"})`);
  const flow = { src, dst, protocol: req.protocol, ...(req.port !== undefined ? { port: req.port } : {}) };
  const kernel = await readKernelRules(runner);
  const walk: RulesWalk = walkRuleset(kernel.ruleset, analyzedPacketOf(model, flow, req.node));
  const counters = walk.rule?.counters;
  return {
    decide: answer,
    node: req.node,
    kernel: {
      allowed: walk.allowed,
      verdict: walk.verdict,
      rule: walk.rule ? { ...ruleView(walk.rule), packets: counters ? String(counters.packets) : null, bytes: counters ? String(counters.bytes) : null } : null,
      path: walk.path.map((s) => ({ chain: s.chain, ...ruleView(s.rule) })),
    },
  };
}

export function explainText(e: Explanation): string {
  const k = e.kernel;
  const stages = e.decide.stages.map((s) => `  ${describeStage(s)}`);
  const lines = [`decide: ${e.decide.reason}`, ...stages];
  lines.push(
    k.rule
      ? `kernel of ${e.node}: ${k.verdict} by ${k.rule.text} (${k.rule.file}:${k.rule.line}), ${k.rule.packets ?? "?"} packets, ${k.rule.bytes ?? "?"} bytes so far`
      : `kernel of ${e.node}: ${k.verdict} by the policy of FORWARD (no rule decided)`,
  );
  if (k.allowed !== e.decide.allowed) lines.push(`warning: the kernel ${k.allowed ? "allows" : "denies"} what decide ${e.decide.allowed ? "allows" : "denies"} on this node; run moat verify`);
  if (k.path.length) lines.push("path:", ...k.path.map((s) => `  ${s.text}`));
  return lines.join("\n");
}

export const registerExplain: RegisterCommand = (program, { io, setExit }) => {
  withServer(withOptionalFiles(program.command("explain").description("the policy rule that decides a flow, and the kernel rule of this host that implements it, with its counters")))
    .requiredOption("--from <name|ip>", "source workload or IP address")
    .requiredOption("--to <name|ip>", "destination workload or IP address")
    .option("--port <n>", "destination port")
    .option("--protocol <p>", "TCP, UDP, SCTP or ICMP", "TCP")
    .requiredOption("--node <name>", "the node this host is")
    .option("-o, --output <format>", "text or json", "text")
    .action(async (opts: ServerFlags & { filename: string[]; from: string; to: string; port?: string; protocol: string; node: string; output: string }) => {
      const output = parseOutput(opts.output, ["text", "json"] as const);
      const protocol = parseProtocol(opts.protocol);
      const port = opts.port === undefined ? undefined : parsePort(opts.port);
      const model = await modelOf(io, opts);
      const e = await runExplain(processRunner(), model, { from: opts.from, to: opts.to, protocol, node: opts.node, ...(port !== undefined ? { port } : {}) });
      io.out(output === "json" ? JSON.stringify(e, null, 2) : explainText(e));
      setExit(e.decide.allowed ? EXIT.ok : EXIT.denied);
    });
};
