// Verbs that touch the kernel of the network namespace moat runs in: apply, reset, status.
import { compile } from "../../compile/index.js";
import { applyPlan, processRunner, readStatus, resetDataplane, type Flavor } from "../../dataplane/index.js";
import { withFiles, type RegisterCommand } from "../context.js";
import { UsageError } from "../errors.js";
import { parseOutput } from "../options.js";
import { readModel } from "../read-model.js";
import { applyToServer } from "../online-apply.js";
import { clientOf, withServer, type ServerFlags } from "../online.js";

function parseFlavor(text: string | undefined): Flavor | undefined {
  if (text === undefined || text === "auto") return undefined;
  if (text !== "legacy" && text !== "nft") throw new UsageError(`--iptables ${JSON.stringify(text)} is not one of auto, legacy, nft`);
  return text;
}

const flavorOption = "which iptables backend to write to: auto (the one the host's rules are in), legacy or nft";

export const registerDataplane: RegisterCommand = (program, { io }) => {
  withServer(withFiles(program.command("apply").description("enforce the manifests on this host (the network namespace moat runs in), or with --server store them in the server")))
    .option("--node <name>", "the node this host is (workloads with this spec.node are local); needed without --server")
    .option("--iptables <flavor>", flavorOption, "auto")
    .option("-o, --output <format>", "text or json", "text")
    .action(async (opts: ServerFlags & { filename: string[]; node: string; iptables: string; output: string }) => {
      const output = parseOutput(opts.output, ["text", "json"] as const);
      const client = clientOf(opts);
      if (client) return applyToServer(io, client, opts.filename, output);
      if (opts.node === undefined) throw new UsageError("--node is required to enforce on this host (or give --server URL to store the manifests in a server)");
      const flavor = parseFlavor(opts.iptables);
      const model = await readModel(io, opts.filename);
      const report = await applyPlan(processRunner(), compile(model, opts.node), flavor ? { flavor } : {});
      if (output === "json") return io.out(JSON.stringify(report, null, 2));
      for (const note of report.notes) io.out(`note: ${note}`);
      io.out(
        !report.changed
          ? `unchanged: plan ${report.planHash} is already applied (generation ${report.generation}, iptables ${report.flavor}); nothing written`
          : report.rulesChanged
            ? `applied plan ${report.planHash} (rules ${report.rulesHash}) as generation ${report.generation} (iptables ${report.flavor}): ${report.rules} rules, ${report.sets} sets (${report.setsCreated} created, ${report.setsUpdated} updated, ${report.setsRemoved} removed)`
            : `applied plan ${report.planHash}: rules unchanged (generation ${report.generation}), set members only: ${report.setsCreated} sets created, ${report.setsUpdated} updated, ${report.setsRemoved} removed`,
      );
    });

  program
    .command("reset")
    .description("remove everything moat created on this host (its FORWARD jump, chains and sets) and nothing else")
    .option("--iptables <flavor>", flavorOption, "auto")
    .action(async (opts: { iptables: string }) => {
      const flavor = parseFlavor(opts.iptables);
      const r = await resetDataplane(processRunner(), flavor ? { flavor } : {});
      io.out(`removed ${r.chains} chains and ${r.sets} sets`);
    });

  program
    .command("status")
    .description("what moat has applied on this host: generation, rule and set counts, plan hash")
    .option("--iptables <flavor>", flavorOption, "auto")
    .option("-o, --output <format>", "text or json", "text")
    .action(async (opts: { iptables: string; output: string }) => {
      const output = parseOutput(opts.output, ["text", "json"] as const);
      const flavor = parseFlavor(opts.iptables);
      const s = await readStatus(processRunner(), flavor ? { flavor } : {});
      if (output === "json") return io.out(JSON.stringify(s, null, 2));
      if (!s.applied) return io.out(`nothing applied (iptables ${s.flavor}); ${s.chains} moat chains, ${s.sets} moat sets present`);
      io.out(
        [
          `applied: rules ${s.rulesHash ?? "?"}, generation ${s.generation} (iptables ${s.flavor})`,
          `hook: ${s.hookAtTop ? "at FORWARD 1" : "NOT at FORWARD 1 (another firewall inserted rules before it; run apply again)"}`,
          `chains: ${s.chains}, rules: ${s.rules}, sets: ${s.sets} with ${s.setMembers} members (IPv4 and IPv6)`,
        ].join("\n"),
      );
    });
};
