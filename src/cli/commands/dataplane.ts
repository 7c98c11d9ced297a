// Verbs that touch the kernel of the network namespace moat runs in: apply, reset, status.
import { compile } from "../../compile/index.js";
import { OVERLAY_DEVICE } from "../../overlay/index.js";
import { applyPlan, processRunner, readStatus, removeOverlay, resetDataplane, type BackendChoice, type DataplaneOptions, type DataplaneStatus, type Flavor } from "../../dataplane/index.js";
import { withFiles, type RegisterCommand } from "../context.js";
import { UsageError } from "../errors.js";
import { parseOutput } from "../options.js";
import { readModel } from "../read-model.js";
import { requireNode } from "../../service/index.js";
import { applyToServer } from "../online-apply.js";
import { clientOf, withServer, type ServerFlags } from "../online.js";
import { runStatusRules } from "./verify.js";

function parseFlavor(text: string | undefined): Flavor | undefined {
  if (text === undefined || text === "auto") return undefined;
  if (text !== "legacy" && text !== "nft") throw new UsageError(`--iptables ${JSON.stringify(text)} is not one of auto, legacy, nft`);
  return text;
}

const flavorOption = "with the iptables backend, which iptables to write to: auto (the one the host's rules are in), legacy or nft";
const backendOption = "auto (the one in use here, else nftables where nft works, else iptables), nftables or iptables";

export function parseBackend(text: string | undefined): BackendChoice {
  if (text === undefined || text === "auto") return "auto";
  if (text !== "nftables" && text !== "iptables") throw new UsageError(`--backend ${JSON.stringify(text)} is not one of auto, nftables, iptables`);
  return text;
}

function dataplaneOptions(opts: { backend?: string; iptables?: string }): DataplaneOptions {
  const backend = parseBackend(opts.backend);
  const flavor = parseFlavor(opts.iptables);
  if (flavor && backend === "nftables") throw new UsageError(`--iptables ${flavor} is for the iptables backend, not --backend nftables`);
  return { backend, ...(flavor ? { flavor } : {}) };
}

const where = (s: { backend: string; flavor?: string }) => (s.flavor ? `${s.backend} ${s.flavor}` : s.backend);

function statusText(s: DataplaneStatus): string[] {
  const lines: string[] = [];
  if (s.record) lines.push(`applied: plan ${s.record.planHash} (rules ${s.record.rulesHash}) for node ${s.record.node} at ${s.record.appliedAt} (${s.record.backend})`);
  else lines.push(`nothing applied (no record in this network namespace)`);
  lines.push(`kernel (${where(s)}): ${s.applied ? `rules ${s.rulesHash ?? "?"}, generation ${s.generation}, hook ${s.hookAtTop ? "first" : "NOT first"}` : "no moat hook"}; ${s.chains} chains, ${s.rules} rules, ${s.sets} sets with ${s.setMembers} members`);
  if (s.agrees) lines.push(s.record ? "agrees: the kernel holds what was applied" : "agrees: nothing applied and nothing of moat's in the kernel");
  else lines.push(`differs (${s.differences.length}): run apply again to restore what was applied`, ...s.differences.map((d) => `  ${d.kind}: ${d.detail}`));
  return lines;
}

export const registerDataplane: RegisterCommand = (program, { io, setExit }) => {
  withServer(withFiles(program.command("apply").description("enforce the manifests on this host (the network namespace moat runs in), or with --server store them in the server")))
    .option("--node <name>", "the node this host is (workloads with this spec.node are local); needed without --server")
    .option("--backend <backend>", backendOption, "auto")
    .option("--iptables <flavor>", flavorOption, "auto")
    .option("-o, --output <format>", "text or json", "text")
    .option("--allow-empty", "allow input with no resources, or a node no workload is on: this node then enforces nothing (its rules are removed)")
    .action(async (opts: ServerFlags & { filename: string[]; node: string; backend: string; iptables: string; output: string; allowEmpty?: boolean }) => {
      const output = parseOutput(opts.output, ["text", "json"] as const);
      const client = clientOf(opts);
      if (client) return applyToServer(io, client, opts.filename, output);
      if (opts.node === undefined) throw new UsageError("--node is required to enforce on this host (or give --server URL to store the manifests in a server)");
      const dpOpts = dataplaneOptions(opts);
      let t = performance.now();
      const model = await readModel(io, opts.filename, { allowEmpty: !!opts.allowEmpty });
      requireNode(model, opts.node, { allowEmpty: !!opts.allowEmpty, allowEmptyFlag: "--allow-empty" });
      const load = performance.now() - t;
      t = performance.now();
      const plan = compile(model, opts.node);
      const compileMs = performance.now() - t;
      const report = await applyPlan(processRunner(), plan, dpOpts);
      const timings = { load: Math.round(load * 10) / 10, compile: Math.round(compileMs * 10) / 10, ...report.timings };
      if (output === "json") return io.out(JSON.stringify({ ...report, timings }, null, 2));
      for (const note of report.notes) io.out(`note: ${note}`);
      for (const other of report.removedOther) io.out(`removed moat's copy in ${other}`);
      io.out(
        !report.changed
          ? `unchanged: plan ${report.planHash} is already applied (${where(report)}, generation ${report.generation}); nothing written`
          : report.rulesChanged
            ? `applied plan ${report.planHash} (rules ${report.rulesHash}) as generation ${report.generation} (${where(report)}): ${report.rules} rules, ${report.sets} sets (${report.setsCreated} created, ${report.setsUpdated} updated, ${report.setsRemoved} removed)`
            : `applied plan ${report.planHash}: rules unchanged (${where(report)}, generation ${report.generation}), set members only: ${report.setsCreated} sets created, ${report.setsUpdated} updated, ${report.setsRemoved} removed`,
      );
      if (report.revoked) io.out(`revoked ${report.revoked} established connections the new plan denies`);
    });

  program
    .command("reset")
    .description("remove everything moat created on this host, in every backend (its hooks, chains, sets and nft table) and the agent's overlay device, and nothing else")
    .action(async () => {
      const runner = processRunner();
      const r = await resetDataplane(runner);
      // The overlay device (its FDB entries and routes go with it) is moat's too: an agent with --overlay vxlan made it.
      const overlay = await removeOverlay(runner);
      io.out(`removed ${r.chains} chains and ${r.sets} sets${overlay ? `, and the overlay device ${OVERLAY_DEVICE}` : ""}`);
    });

  program
    .command("status")
    .description("compare the kernel with what was applied: exit 0 when they agree, 1 when they differ (saying what), 3 when the kernel cannot be read")
    .option("--backend <backend>", backendOption, "auto")
    .option("--iptables <flavor>", flavorOption, "auto")
    .option("-o, --output <format>", "text or json", "text")
    .option("--rules", "instead: per policy rule, the packets and bytes its kernel rules matched, summed over families")
    .action(async (opts: { backend: string; iptables: string; output: string; rules?: boolean }) => {
      if (opts.rules) return runStatusRules({ io }, processRunner(), opts.output);
      const output = parseOutput(opts.output, ["text", "json"] as const);
      const s = await readStatus(processRunner(), dataplaneOptions(opts));
      if (!s.agrees) setExit(1);
      if (output === "json") return io.out(JSON.stringify(s, null, 2));
      io.out(statusText(s).join("\n"));
    });
};
