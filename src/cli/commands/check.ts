import { checkAnswer } from "../../service/index.js";
import { api } from "../../client/index.js";
import { requireFiles, withOptionalFiles, type RegisterCommand } from "../context.js";
import { clientOf, withServer, type ServerFlags } from "../online.js";
import { EXIT } from "../errors.js";
import { collect, parseOutput, parsePort, parseProtocol } from "../options.js";
import { readModel } from "../read-model.js";
import { runCheckRulesCommand, type CheckRulesFlags } from "./check-rules.js";

export const registerCheck: RegisterCommand = (program, { io, setExit }) => {
  withServer(withOptionalFiles(program.command("check").description("is a new connection from one workload or address to another allowed, and why")))
    .requiredOption("--from <name|ip>", "source workload (name or namespace/name) or IP address")
    .requiredOption("--to <name|ip>", "destination workload or IP address")
    .option("--port <n>", "destination port")
    .option("--protocol <p>", "TCP, UDP, SCTP or ICMP", "TCP")
    .option("-o, --output <format>", "text or json", "text")
    .option("--rules <file>", "instead of manifests: walk the packet through these iptables/ipset rules (dump, iptables -S, ipset save or script); repeat for more", collect, [])
    .option("--in-interface <if>", "with --rules: the interface the packet comes in on")
    .option("--out-interface <if>", "with --rules: the interface the packet leaves on")
    .option("--physdev-in <if>", "with --rules: the bridge port the packet comes in on")
    .option("--physdev-out <if>", "with --rules: the bridge port the packet leaves on")
    .action(async (opts: ServerFlags & CheckRulesFlags & { filename: string[]; rules: string[]; output: string }) => {
      if (opts.rules.length) return runCheckRulesCommand({ io, setExit }, opts.rules, opts);
      const output = parseOutput(opts.output, ["text", "json"] as const);
      const protocol = parseProtocol(opts.protocol);
      const port = opts.port === undefined ? undefined : parsePort(opts.port);
      const req = { from: opts.from, to: opts.to, protocol, ...(port !== undefined ? { port } : {}) };
      const client = clientOf(opts);
      const v = client ? await api.check(client, req) : checkAnswer(await readModel(io, requireFiles(opts.filename)), req);
      io.out(output === "json" ? JSON.stringify(v, null, 2) : v.reason);
      setExit(v.allowed ? EXIT.ok : EXIT.denied);
    });
};
