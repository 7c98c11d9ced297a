import { compile } from "../../compile/index.js";
import { DEFAULT_BACKEND, planHash, rulesHash } from "../../dataplane/index.js";
import { visible } from "../../model/index.js";
import { iptablesBackend, nftablesBackend } from "../../render/index.js";
import { withFiles, type RegisterCommand } from "../context.js";
import { parseOutput } from "../options.js";
import { readModel } from "../read-model.js";
import { requireNode } from "../../service/index.js";
import { parseBackend } from "./dataplane.js";

export const registerCompile: RegisterCommand = (program, { io }) => {
  withFiles(program.command("compile").description("print a node's Plan (-o json) or the rules it renders to (-o text)"))
    .requiredOption("--node <name>", "the node to compile for")
    .option("-o, --output <format>", "text (the backend's input: ipset + iptables-restore, or nft -f) or json (the Plan)", "text")
    .option("--backend <backend>", `which backend's text: auto (Settings.spec.backend, else ${DEFAULT_BACKEND}), nftables or iptables`, "auto")
    .action(async (opts: { filename: string[]; node: string; output: string; backend: string }) => {
      const output = parseOutput(opts.output, ["text", "json"] as const);
      const choice = parseBackend(opts.backend);
      const model = await readModel(io, opts.filename);
      // Printing rules for an empty node is harmless (analysis, tests); applying them is refused in apply.
      requireNode(model, opts.node, { warn: (m) => io.err(`warning: ${m}; these rules enforce nothing on it`) });
      const plan = compile(model, opts.node);
      if (output === "json") return io.out(JSON.stringify(plan, null, 2));
      // auto: Settings.spec.backend when it names one, else nftables (compile reads no kernel to ask).
      const setting = plan.apply?.backend && plan.apply.backend !== "auto" ? plan.apply.backend : DEFAULT_BACKEND;
      const backend = (choice === "auto" ? setting : choice) === "nftables" ? nftablesBackend : iptablesBackend;
      const hash = rulesHash(plan);
      // The node name is user text: shown with its control characters made visible, so it cannot add lines.
      io.out([`# moat plan ${planHash(plan)} (rules ${hash}) for node ${visible(opts.node)} (${backend.name})`, backend.renderText(plan, hash)].join("\n"));
    });
};
