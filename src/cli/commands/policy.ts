// `moat policy add|list|remove`: Cloud Foundry's add-network-policy, network-policies and
// remove-network-policy, with their defaults and wording, on a manifest file instead of a policy
// server. The edit is a pure function of the file's text (src/importers/cloudfoundry); this file reads,
// resolves the apps, and writes the result back whole through a temporary file and a rename.
import { rename, writeFile } from "node:fs/promises";
import type { Command } from "commander";
import {
  addPolicy,
  formatPorts,
  listPolicies,
  openManifest,
  parseCfPort,
  removePolicies,
  resolveApp,
  type C2cManifest,
  type C2cProtocol,
  type Edited,
} from "../../importers/cloudfoundry/index.js";
import type { CliContext, RegisterCommand } from "../context.js";
import { InvalidInput, UsageError } from "../errors.js";
import type { Io } from "../io.js";
import { unreadable } from "../read-model.js";

const APP_HELP = `
SOURCE_APP and DESTINATION_APP are app names (the cloudfoundry.org/app-name label of a Workload in
FILE) or app GUIDs (a Workload's cloudfoundry.org/app-guid label, or any GUID).`;

export const registerPolicy: RegisterCommand = (program, ctx) => {
  const parent = program.command("policy").description("Cloud Foundry app-to-app policies, kept as moat Policies in a manifest file");
  const sub = (name: string, file: string) =>
    parent
      .command(name)
      .exitOverride()
      .configureOutput({ writeOut: (s) => ctx.io.out(s), writeErr: (s) => ctx.io.err(s) })
      .requiredOption("-f, --filename <file>", file);
  add(sub("add", "the manifest file (YAML), edited in place"), ctx);
  list(sub("list", "the manifest file (YAML or JSON)"), ctx);
  remove(sub("remove", "the manifest file (YAML), edited in place"), ctx);
};

interface EditOptions {
  filename: string;
  protocol?: string;
  port?: string;
}

const withProtocolAndPort = (cmd: Command, verb: "connect" | "connected") =>
  cmd
    .argument("<SOURCE_APP>", "Name (or GUID) of the app that connects")
    .argument("<DESTINATION_APP>", verb === "connect" ? "Name of app to connect to" : "Name of app that is connected to")
    .option("--protocol <tcp|udp>", verb === "connect" ? "Protocol to connect apps with (Default: tcp)" : "Protocol that apps are connected with")
    .option("--port <RANGE>", verb === "connect" ? "Port or range of ports for connection to destination app (Default: 8080)" : "Port or range of ports that destination app is connected with");

function add(cmd: Command, { io }: CliContext): void {
  withProtocolAndPort(cmd, "connect")
    .description("Create policy to allow direct network traffic from one app to another")
    .usage("SOURCE_APP DESTINATION_APP [--protocol (tcp | udp) --port RANGE] -f FILE")
    .addHelpText("after", `${APP_HELP}\n\nEXAMPLES:\n   moat policy add frontend backend --protocol tcp --port 8081 -f apps.yaml\n   moat policy add frontend backend --protocol udp --port 8080-8090 -f apps.yaml`)
    .action(async (src: string, dst: string, opts: EditOptions) => {
      const target = protocolAndPort(opts) ?? { protocol: "tcp" as const, start: 8080, end: 8080 };
      const m = await open(io, opts.filename);
      const p = { source: app(m, src), destination: app(m, dst), ...target };
      const edited = addPolicy(m, p);
      await save(m, edited);
      io.out(`Adding network policy from app ${src} to app ${dst} in ${opts.filename}...\nOK`);
    });
}

function remove(cmd: Command, { io }: CliContext): void {
  withProtocolAndPort(cmd, "connected")
    .description("Remove network traffic policy of an app")
    .usage("SOURCE_APP DESTINATION_APP [--protocol (tcp | udp) --port RANGE] -f FILE")
    .addHelpText("after", `${APP_HELP}\nWithout --protocol and --port, every policy from SOURCE_APP to DESTINATION_APP is removed.`)
    .action(async (src: string, dst: string, opts: EditOptions) => {
      const target = protocolAndPort(opts);
      const m = await open(io, opts.filename);
      const edited = removePolicies(m, { source: app(m, src), destination: app(m, dst), ...target });
      await save(m, edited);
      const none = edited.ok && !edited.changed.length ? "Policy does not exist.\n" : "";
      io.out(`Removing network policy from app ${src} to app ${dst} in ${opts.filename}...\n${none}OK`);
    });
}

function list(cmd: Command, { io }: CliContext): void {
  cmd
    .description("List direct network traffic policies")
    .option("--source <SOURCE_APP>", "Source app to filter results by")
    .action(async (opts: { filename: string; source?: string }) => {
      const m = await open(io, opts.filename);
      const source = opts.source === undefined ? undefined : app(m, opts.source);
      const name = (guid: string) => m.names.get(guid) ?? guid;
      const rows = listPolicies(m)
        .filter((p) => source === undefined || p.source === source)
        .map((p) => [name(p.source), name(p.destination), p.protocol, formatPorts(p)]);
      io.out(`Listing network policies in ${opts.filename}...\n\n${table([["source", "destination", "protocol", "ports"], ...rows])}`);
    });
}

/** cf's rule: both flags or neither. */
function protocolAndPort(opts: EditOptions): { protocol: C2cProtocol; start: number; end: number } | undefined {
  if ((opts.protocol === undefined) !== (opts.port === undefined)) throw new UsageError("Incorrect Usage: --protocol and --port flags must be specified together");
  if (opts.protocol === undefined || opts.port === undefined) return undefined;
  const protocol = opts.protocol.toLowerCase();
  if (protocol !== "tcp" && protocol !== "udp") throw new UsageError(`Incorrect Usage: --protocol ${JSON.stringify(opts.protocol)} must be tcp or udp`);
  const ports = parseCfPort(opts.port);
  if (typeof ports === "string") throw new UsageError(`Incorrect Usage: --port: ${ports}`);
  return { protocol, ...ports };
}

async function open(io: Io, file: string): Promise<C2cManifest> {
  let text: string;
  try {
    text = await io.readFile(file);
  } catch (e) {
    throw new InvalidInput([unreadable(file, e)]);
  }
  const opened = openManifest(text, file);
  if (!opened.ok) throw new InvalidInput(opened.issues);
  return opened.manifest;
}

function app(m: C2cManifest, ref: string): string {
  const r = resolveApp(m, ref);
  if (!r.ok) throw new UsageError(r.message);
  return r.guid;
}

/** Written beside the file and renamed over it, so a reader never sees half a manifest. */
async function save(m: C2cManifest, edited: Edited): Promise<void> {
  if (!edited.ok) throw new InvalidInput(edited.issues);
  if (edited.text === m.text) return;
  const temp = `${m.file}.moat-${process.pid}.tmp`;
  await writeFile(temp, edited.text, "utf8");
  await rename(temp, m.file);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join("   ").trimEnd()).join("\n");
}
