// `moat check --rules FILE...`: a new packet walked through the filter table's FORWARD chain of
// hand-written rules and sets, as the kernel would. Also the one reader of rule files for lint.
import { analyze, AnalyzeParseError, walkRuleset, type AnalyzedPacket, type AnalyzedRuleset, type RulesWalk } from "../../analyze/index.js";
import { parseIp } from "../../model/index.js";
import type { CliContext } from "../context.js";
import { EXIT, UsageError } from "../errors.js";
import type { Io } from "../io.js";
import { parseOutput, parsePort } from "../options.js";

/** Reads every file ("-" is stdin) and analyzes them as one ruleset; unreadable or unparsable input is a UsageError (exit 2). */
export async function readRuleFiles(io: Io, files: string[], flag = "-f"): Promise<AnalyzedRuleset> {
  if (!files.length) throw new UsageError(`no input: give at least one ${flag} FILE (or ${flag} - for stdin)`);
  const inputs = [];
  for (const file of files) {
    try {
      inputs.push({ file: file === "-" ? "<stdin>" : file, text: file === "-" ? await io.readStdin() : await io.readFile(file) });
    } catch (e) {
      throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
    }
  }
  try {
    return analyze(inputs);
  } catch (e) {
    if (e instanceof AnalyzeParseError) throw new UsageError(`${e.file}:${e.line}: cannot parse: expected ${e.expected}`);
    throw e;
  }
}

export interface CheckRulesFlags {
  from: string;
  to: string;
  port?: string;
  protocol: string;
  inInterface?: string;
  outInterface?: string;
  physdevIn?: string;
  physdevOut?: string;
}

const PROTOCOLS: Record<string, string> = { tcp: "tcp", udp: "udp", sctp: "sctp", icmp: "icmp" };

/** The packet of the flags; a flag that cannot be read is a UsageError. */
export function packetOf(flags: CheckRulesFlags): AnalyzedPacket {
  const src = parseIp(flags.from);
  const dst = parseIp(flags.to);
  if (!src.ok) throw new UsageError(`--from ${JSON.stringify(flags.from)} is not an IP address (with --rules, --from and --to are addresses)`);
  if (!dst.ok) throw new UsageError(`--to ${JSON.stringify(flags.to)} is not an IP address (with --rules, --from and --to are addresses)`);
  if (src.value.family !== dst.value.family) throw new UsageError(`--from ${src.value.text} and --to ${dst.value.text} are of different address families`);
  const proto = PROTOCOLS[flags.protocol.toLowerCase()];
  if (!proto) throw new UsageError(`--protocol ${JSON.stringify(flags.protocol)} is not one of tcp, udp, sctp, icmp`);
  if (proto !== "icmp" && flags.port === undefined) throw new UsageError(`--port is required for ${proto}`);
  if (proto === "icmp" && flags.port !== undefined) throw new UsageError("--port does not apply to icmp");
  const p: AnalyzedPacket = { src: src.value, dst: dst.value, protocol: proto === "icmp" && src.value.family === 6 ? "ipv6-icmp" : proto, ctstate: "NEW", mark: 0 };
  if (flags.port !== undefined) p.dport = parsePort(flags.port);
  if (proto === "icmp") p.icmpType = "echo-request";
  for (const [key, flag] of [["inIface", "inInterface"], ["outIface", "outInterface"], ["physIn", "physdevIn"], ["physOut", "physdevOut"]] as const) {
    const v = flags[flag];
    if (v === undefined) continue;
    if (!/^[A-Za-z0-9_.:@-]{1,15}$/.test(v)) throw new UsageError(`--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${JSON.stringify(v)} is not an interface name`);
    p[key] = v;
  }
  return p;
}

export function checkRulesJson(walk: RulesWalk) {
  return {
    allowed: walk.allowed,
    verdict: walk.verdict,
    rule: walk.rule ? { file: walk.rule.loc.file, line: walk.rule.loc.line } : null,
    path: walk.path.map((s) => ({ chain: s.chain, line: s.rule.loc.line })),
  };
}

export function checkRulesText(walk: RulesWalk): string {
  const head = walk.rule
    ? `${walk.allowed ? "allowed" : "denied"}: ${walk.verdict} by ${walk.rule.loc.file}:${walk.rule.loc.line} in chain ${walk.rule.chain}: ${walk.rule.text}`
    : `${walk.allowed ? "allowed" : "denied"}: no rule decided; the policy of ${walk.policyOf} is ${walk.verdict}${walk.policyLoc ? ` (${walk.policyLoc.file}:${walk.policyLoc.line})` : " (the kernel's default)"}`;
  const steps = walk.path.map((s) => `  ${s.chain} ${s.rule.loc.file}:${s.rule.loc.line}: ${s.rule.text}`);
  return [head, ...(steps.length ? ["path:", ...steps] : ["path: no rule matched"])].join("\n");
}

/** The whole verb, for check.ts to call when --rules is given. */
export async function runCheckRulesCommand(ctx: CliContext, files: string[], flags: CheckRulesFlags & { output: string }): Promise<void> {
  const output = parseOutput(flags.output, ["text", "json"] as const);
  const packet = packetOf(flags);
  const rs = await readRuleFiles(ctx.io, files, "--rules");
  for (const r of rs.refused) ctx.io.err(`note: ${r.loc.file}:${r.loc.line}: left out, as the kernel refuses it: ${r.reason}`);
  const walk = walkRuleset(rs, packet);
  for (const n of walk.notes) ctx.io.err(`note: ${n}`);
  ctx.io.out(output === "json" ? JSON.stringify(checkRulesJson(walk)) : checkRulesText(walk));
  ctx.setExit(walk.allowed ? EXIT.ok : EXIT.denied);
}
