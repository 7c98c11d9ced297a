import { compile } from "../../compile/index.js";
import { planHash, rulesHash } from "../../dataplane/index.js";
import { renderInstall, renderIpsetRestore, renderSets } from "../../render/index.js";
import { withFiles, type RegisterCommand } from "../context.js";
import { parseOutput } from "../options.js";
import { readModel } from "../read-model.js";

export const registerCompile: RegisterCommand = (program, { io }) => {
  withFiles(program.command("compile").description("print a node's Plan (-o json) or the rules it renders to (-o text)"))
    .requiredOption("--node <name>", "the node to compile for")
    .option("-o, --output <format>", "text (ipset restore + iptables-restore + ip6tables-restore input) or json (the Plan)", "text")
    .action(async (opts: { filename: string[]; node: string; output: string }) => {
      const output = parseOutput(opts.output, ["text", "json"] as const);
      const model = await readModel(io, opts.filename);
      const plan = compile(model, opts.node);
      if (output === "json") return io.out(JSON.stringify(plan, null, 2));
      const hash = rulesHash(plan);
      io.out(
        [
          `# moat plan ${planHash(plan)} (rules ${hash}) for node ${opts.node}`,
          "# ipset restore",
          renderIpsetRestore(renderSets(plan)),
          "# iptables-restore --noflush",
          renderInstall(plan, 4, "a", hash),
          "# ip6tables-restore --noflush",
          renderInstall(plan, 6, "a", hash),
        ].join("\n"),
      );
    });
};
