// `moat verify -f FILE... --node N`: the rules and sets read back from this host's kernel, walked for
// every flow between the node's workloads and the others on every declared port, compared with decide.
import { verifyNode, type VerifyReport } from "../../analyze/index.js";
import { processRunner, type Runner } from "../../dataplane/index.js";
import type { Model } from "../../model/index.js";
import { api, type Client } from "../../client/index.js";
import { assembleModel, kernelJudge, kernelRuleCounters, withoutResourceVersion } from "../../service/index.js";
import { requireFiles, withOptionalFiles, type RegisterCommand } from "../context.js";
import { clientOf, withServer, type ServerFlags } from "../online.js";
import type { Io } from "../io.js";
import { EXIT, UsageError } from "../errors.js";
import { parseOutput } from "../options.js";
import { readModel } from "../read-model.js";

/** The model stored on a moat server: every resource it holds. */
export async function serverModel(client: Client): Promise<Model> {
  const all = await api.listAll(client);
  return assembleModel({ docs: all.items.map((doc, index) => ({ file: client.url, index, doc: withoutResourceVersion(doc) })), issues: [] });
}

/** -f files, or the server the flags name. */
export async function modelOf(io: Io, opts: ServerFlags & { filename: string[] }): Promise<Model> {
  const client = clientOf(opts);
  return client ? serverModel(client) : readModel(io, requireFiles(opts.filename));
}

export async function runVerify(runner: Runner, model: Model, node: string): Promise<VerifyReport & { sources: string[] }> {
  if (!model.workloads.some((w) => w.node === node)) throw new UsageError(`--node ${JSON.stringify(node)} has no workloads in the manifests (nodes: ${[...new Set(model.workloads.map((w) => w.node))].sort().join(", ")})`);
  const kernel = await kernelJudge(runner, model, node);
  return { ...verifyNode(model, node, kernel.judge), sources: kernel.sources };
}

export function verifyText(r: VerifyReport): string {
  const lines = [`node ${r.node}: ${r.agree}/${r.flows} flows agree`];
  for (const d of r.disagreements) {
    const k = d.kernel;
    const kernel = k.rule ? `${k.verdict} by ${k.rule.file}:${k.rule.line}: ${k.rule.text}` : k.node === r.node ? `${k.verdict} by the policy of FORWARD` : `${k.verdict} on node ${k.node}`;
    lines.push(`disagree: ${d.protocol} ${d.from} (${d.src}) -> ${d.to} (${d.dst}) port ${d.port ?? "-"}: decide ${d.decide.allowed ? "allows" : "denies"} (${d.decide.reason}); the kernel ${k.allowed ? "allows" : "denies"} it (${kernel})`);
  }
  return lines.join("\n");
}

export const registerVerify: RegisterCommand = (program, { io, setExit }) => {
  withServer(withOptionalFiles(program.command("verify").description("read this host's kernel rules back and check every flow of the node's workloads against the manifests (or a server's model)")))
    .requiredOption("--node <name>", "the node this host is")
    .option("-o, --output <format>", "text or json", "text")
    .action(async (opts: ServerFlags & { filename: string[]; node: string; output: string }) => {
      const output = parseOutput(opts.output, ["text", "json"] as const);
      const model = await modelOf(io, opts);
      const report = await runVerify(processRunner(), model, opts.node);
      for (const n of report.notes) io.err(`note: ${n}`);
      io.out(output === "json" ? JSON.stringify(report, null, 2) : verifyText(report));
      setExit(report.disagreements.length ? EXIT.denied : EXIT.ok);
    });
};

/** `moat status --rules`: per policy rule, the packets and bytes its kernel rules matched, summed over families. */
export async function runStatusRules(ctx: { io: { out(text: string): void } }, runner: Runner, output: string): Promise<void> {
  const format = parseOutput(output, ["text", "json"] as const);
  const rows = await kernelRuleCounters(runner);
  if (format === "json") {
    ctx.io.out(JSON.stringify({ rules: rows.map((r) => ({ ...r, packets: Number(r.packets), bytes: Number(r.bytes) })) }, null, 2));
    return;
  }
  const table = [["POLICY", "STAGE", "RULE", "ACTION", "PACKETS", "BYTES"], ...rows.map((r) => [r.policy, r.stage, String(r.rule), r.action, String(r.packets), String(r.bytes)])];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  ctx.io.out(rows.length ? table.map((row) => row.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n") : "no policy rules in the kernel");
}
