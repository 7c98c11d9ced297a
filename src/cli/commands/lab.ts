// `moat lab up | probe | down`: real hosts in network namespaces, a real server and an agent per node,
// built from manifests; real connections beside the declared matrix; everything removed again.
import type { Command } from "commander";
import { DEFAULT_LAB_NAME, labDown, labProbe, labUp, requireLabName } from "../../lab/index.js";
import type { CliContext, RegisterCommand } from "../context.js";
import { EXIT, UsageError } from "../errors.js";
import { collect, parseCount, parseOutput, parsePortProbe } from "../options.js";
import { readDocuments, requireObjects } from "../read-model.js";
import { disagreements, labJson, labTable } from "./lab-table.js";

const MAX_NODES = 50;
/** The shell's code for a command ended by SIGINT. */
export const EXIT_INTERRUPTED = 130;

export function parseNodes(text: string): number {
  const n = parseCount(text, "--nodes");
  if (n > MAX_NODES) throw new UsageError(`--nodes ${JSON.stringify(text)} is more than the lab builds (at most ${MAX_NODES})`);
  return n;
}

export function parseOverlay(text: string): "routed" | "vxlan" {
  if (text !== "routed" && text !== "vxlan") throw new UsageError(`--overlay ${JSON.stringify(text)} is not an overlay; expected routed or vxlan`);
  return text;
}

/**
 * Runs fn with a signal that SIGINT or SIGTERM aborts, so that a Ctrl-C ends in the caller's own
 * teardown rather than half-way; the exit code is then 130.
 */
export async function interruptible<T>(ctx: CliContext, fn: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
  const ac = new AbortController();
  const stop = () => ac.abort(new Error("interrupted"));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    return await fn(ac.signal);
  } catch (e) {
    if (!ac.signal.aborted) throw e;
    ctx.io.err("interrupted: everything the command made is removed");
    ctx.setExit(EXIT_INTERRUPTED);
    return undefined;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}

const nameOption = (cmd: Command) => cmd.option("--name <name>", "the lab's name (1-8 of [a-z0-9]); its namespaces are ml-NAME-*", DEFAULT_LAB_NAME);

export const registerLab: RegisterCommand = (program, ctx) => {
  const { io } = ctx;
  const parent = program.command("lab").description("real hosts in network namespaces, a moat server and an agent per node: up, probe, down");
  const sub = (name: string, description: string) =>
    nameOption(
      parent
        .command(name)
        .description(description)
        .exitOverride()
        .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) }),
    );

  sub("up", "build a lab from manifests: a namespace per node, a server, an agent per node, a listener in every workload")
    .requiredOption("-f, --filename <file>", "manifest file (YAML or JSON); repeat for more; - for stdin", collect, [])
    .option("--nodes <n>", "spread workloads without spec.node over this many nodes", "2")
    .option("--overlay <mode>", "how nodes reach each other's workloads: routed or vxlan", "routed")
    .option("--port <n/proto>", "every workload listens on it too, e.g. 9000, 53/udp, icmp; repeat for more", collect, [])
    .action(async (opts: { filename: string[]; nodes: string; overlay: string; port: string[]; name: string }) => {
      const name = requireLabName(opts.name);
      const nodes = parseNodes(opts.nodes);
      const overlay = parseOverlay(opts.overlay);
      const ports = opts.port.map(parsePortProbe);
      const parsed = await readDocuments(io, opts.filename);
      requireObjects(parsed, opts.filename);
      const up = await interruptible(ctx, (signal) => labUp({ name, parsed, nodes, overlay, ports, progress: (l) => io.err(l), signal }));
      if (up) io.err(`lab ${name} is up in ${(up.ms / 1000).toFixed(1)} s: moat lab probe --name ${name}; moat lab down --name ${name}; server ${up.state.server!.url} (token ${up.state.server!.tokenFile})`);
    });

  sub("probe", "open a real connection for every ordered pair and port; print it beside the declared matrix; exit 1 on any disagreement")
    .option("-o, --output <format>", "table or json", "table")
    .action(async (opts: { output: string; name: string }) => {
      const name = requireLabName(opts.name);
      const output = parseOutput(opts.output, ["table", "json"] as const);
      const answer = await interruptible(ctx, (signal) => labProbe(name, { signal }));
      if (!answer) return;
      io.out(output === "json" ? labJson(answer.probes) : labTable(answer.probes));
      if (answer.skipped) io.err(`info: ${answer.skipped} pairs of the server's matrix involve workloads the lab has no host for; not probed`);
      if (disagreements(answer.probes).length) ctx.setExit(EXIT.denied);
    });

  sub("down", "remove the lab: its agents, server, namespaces and folder (also after a crash)").action(async (opts: { name: string }) => {
    const name = requireLabName(opts.name);
    const report = await labDown(name);
    io.err(
      report.killed.length || report.namespaces.length
        ? `lab ${name} removed: ${report.killed.length} processes, ${report.namespaces.length} namespaces`
        : `lab ${name}: nothing left to remove`,
    );
  });
};
