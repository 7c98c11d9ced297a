// `moat lint -f FILE...`: mistakes in hand-written iptables/ipset rules, one finding a line, as compilers print.
import { formatFinding, lintRuleset } from "../../analyze/index.js";
import type { RegisterCommand } from "../context.js";
import { EXIT } from "../errors.js";
import { parseOutput } from "../options.js";
import { readRuleFiles } from "./check-rules.js";

export const registerLint: RegisterCommand = (program, { io, setExit }) => {
  program
    .command("lint")
    .description("find mistakes in iptables-save, iptables -S, ipset save output or scripts of iptables/ip6tables/ipset commands")
    .requiredOption("-f, --filename <file>", "rules file (a dump, iptables -S output, ipset save output or a shell script); repeat for more (one ruleset); - for stdin", (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option("-o, --output <format>", "text or json", "text")
    .addHelpText(
      "after",
      `
Codes: bad-address, host-bits, unreachable-rule, undefined-chain, undefined-set, empty-set,
unreferenced-chain, similar-interface (errors and warnings), and skipped-command (info: a line
that is no iptables/ip6tables/ipset command, or one the kernel refuses for another reason).
Exit 0 when there is no error or warning, 1 when there is, 2 when a file cannot be read or parsed.`,
    )
    .action(async (opts: { filename: string[]; output: string }) => {
      const output = parseOutput(opts.output, ["text", "json"] as const);
      const findings = lintRuleset(await readRuleFiles(io, opts.filename));
      if (output === "json") io.out(JSON.stringify({ findings }));
      else if (findings.length) io.out(findings.map(formatFinding).join("\n"));
      setExit(findings.some((f) => f.severity !== "info") ? EXIT.denied : EXIT.ok);
    });
};
