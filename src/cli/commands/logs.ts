// `moat logs`: what this host's NFLOG group logs (Log rules, and denied connections with logDenied), one
// line each: time, verdict, who to whom, the port, and the policy rule that logged it.
import { followNflog, readPrefix, type NflogEntry } from "../../logs/index.js";
import { lookup } from "../../policy/index.js";
import { parseIp, type Model } from "../../model/index.js";
import { requireNode } from "../../service/index.js";
import { withOptionalFiles, type RegisterCommand } from "../context.js";
import { withServer, clientOf, type ServerFlags } from "../online.js";
import { UsageError } from "../errors.js";
import { parseCount, parseOutput } from "../options.js";
import { modelOf } from "./verify.js";

export interface LogLine {
  time: string;
  verdict: string;
  from: string;
  to: string;
  port: string;
  rule: string;
}

/** An entry as a line's fields; addresses named as the CLI names workloads when the model knows them. */
export function logLine(e: NflogEntry, model?: Model): LogLine {
  const l = model ? lookup(model) : undefined;
  const name = (text: string) => {
    const ip = parseIp(text);
    return (ip.ok && l?.workloadAt(ip.value)?.id) || text;
  };
  const { verdict, rule } = readPrefix(e.prefix);
  return { time: new Date(e.time * 1000).toISOString(), verdict, from: name(e.src), to: name(e.dst), port: e.dport !== undefined ? `${e.dport}/${e.protocol}` : e.protocol, rule };
}

export const logLineText = (l: LogLine) => `${l.time} ${l.verdict} ${l.from} -> ${l.to} ${l.port} ${l.rule}`;

function parseGroup(text: string): number {
  const n = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 0 && n <= 65535)) throw new UsageError(`--group ${JSON.stringify(text)} is not an NFLOG group (0 to 65535)`);
  return n;
}

export const registerLogs: RegisterCommand = (program, { io }) => {
  withServer(withOptionalFiles(program.command("logs").description("follow what this host logs (NFLOG): Log rules, and denied connections with Settings.spec.logDenied")))
    .option("--node <name>", "the node this host is (with -f or --server: checked, and addresses named as workloads)")
    .option("--group <n>", "the NFLOG group (default: Settings.spec.logGroup of the manifests, else 100)")
    .option("--count <n>", "stop after this many lines")
    .option("-o, --output <format>", "text or json (one object a line)", "text")
    .action(async (opts: ServerFlags & { filename: string[]; node?: string; group?: string; count?: string; output: string }) => {
      const output = parseOutput(opts.output, ["text", "json"] as const);
      const count = opts.count === undefined ? undefined : parseCount(opts.count, "--count");
      const model = opts.filename.length || clientOf(opts) ? await modelOf(io, opts) : undefined;
      if (model && opts.node !== undefined) requireNode(model, opts.node);
      const group = opts.group !== undefined ? parseGroup(opts.group) : (model?.settings.logGroup ?? 100);
      const stop = new AbortController();
      const quit = () => stop.abort();
      process.once("SIGINT", quit);
      process.once("SIGTERM", quit);
      try {
        await followNflog({
          group,
          ...(count !== undefined ? { count } : {}),
          signal: stop.signal,
          onReady: () => io.err(`following NFLOG group ${group}`),
          onEntry: (e) => {
            const line = logLine(e, model);
            io.out(output === "json" ? JSON.stringify(line) : logLineText(line));
          },
        });
      } finally {
        process.off("SIGINT", quit);
        process.off("SIGTERM", quit);
      }
    });
};
