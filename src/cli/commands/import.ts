// `moat import rancher|cloudfoundry|cni`: read another system's policy or network files, print moat
// manifests. The importers are pure; this file reads the files and prints. On any problem nothing
// goes to stdout: every issue goes to stderr and the exit code is 2.
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { importCloudFoundry } from "../../importers/cloudfoundry/index.js";
import { cniConfigFiles, importCni, type CniFile } from "../../importers/cni/index.js";
import { printManifests, type ImportResult } from "../../importers/index.js";
import { importRancher } from "../../importers/rancher/index.js";
import type { Issue } from "../../model/index.js";
import type { CliContext, RegisterCommand } from "../context.js";
import { InvalidInput, UsageError } from "../errors.js";
import type { Io } from "../io.js";
import { collect, parseOutput } from "../options.js";
import { unreadable } from "../read-model.js";

const OUTPUT = ["yaml", "json"] as const;

export const registerImport: RegisterCommand = (program, ctx) => {
  const parent = program
    .command("import")
    .description("read the policies and networks of Rancher, Cloud Foundry or CNI and print them as moat manifests");
  const sub = (name: string) =>
    parent
      .command(name)
      .exitOverride()
      .configureOutput({ writeOut: (s) => ctx.io.out(s), writeErr: (s) => ctx.io.err(s) })
      .option("-o, --output <format>", "yaml or json", "yaml");
  rancher(sub("rancher"), ctx);
  cloudfoundry(sub("cloudfoundry"), ctx);
  cni(sub("cni"), ctx);
};

function rancher(cmd: Command, { io }: CliContext): void {
  cmd
    .description("Rancher 1.x network policy: the network resource, and optionally the containers, from Rancher's API")
    .requiredOption("--network <file>", "the network resource as GET /v2-beta/projects/<project>/networks/<network> returns it (JSON; - for stdin)")
    .option("--containers <file>", "containers as GET /v2-beta/projects/<project>/containers returns them (a collection, a list or one container); each running one becomes a Workload named after the container, on node hostId, at primaryIpAddress, with its labels")
    .addHelpText(
      "after",
      `
The environment policy becomes one Policy over all() with the rules in order and a last rule
carrying defaultPolicyAction: within stack = sameLabels [io.rancher.stack.name], within service =
sameLabels [io.rancher.stack_service.name], between {groupBy: K} = sameLabels [K]. Unlike Rancher,
ports ("80", "80/tcp", "53/udp"; no protocol means both) are enforced. A rule with "to" or with a
between selector gets a Policy of its own over that selector, in its place in the order.
Without --containers, only the Network and the Policy are printed.
io.rancher.stack_service.name, and any label a rule refers to, has "/" in its value made "."
(stack/service becomes stack.service); other labels that are not valid moat labels are left off,
with a warning. Names starting with "moat" are renamed rancher-<name>, and characters outside
[A-Za-z0-9-_.] become "-"; two names that would become one are an error.`,
    )
    .action(async (opts: { network: string; containers?: string; output: string }) => {
      const format = parseOutput(opts.output, OUTPUT);
      const network = { file: opts.network, text: await readInput(io, opts.network) };
      const containers = opts.containers === undefined ? undefined : { file: opts.containers, text: await readInput(io, opts.containers) };
      print(io, importRancher(containers ? { network, containers } : { network }), format);
    });
}

function cloudfoundry(cmd: Command, { io }: CliContext): void {
  cmd
    .description("Cloud Foundry container-to-container policies: the policy server's body (GET /networking/v1/external/policies, or v0)")
    .argument("<file>", "the JSON body (- for stdin)")
    .option("--network-name <name>", "name of the overlay Network to emit", "silk")
    .option("--subnet <cidr>", "subnet of the overlay Network", "10.255.0.0/16")
    .option("--no-network", "emit Policies only, no Network")
    .addHelpText(
      "after",
      `
Each destination app gets one Policy over cloudfoundry.org/app-guid == "GUID", with an ingress Allow
per policy from cloudfoundry.org/app-guid == "SOURCE" on its protocol and ports. The Network has
isolation: workload, as app-to-app traffic is denied until a policy allows it. Workloads are not in
the body: label each app instance's Workload with cloudfoundry.org/app-guid (and
cloudfoundry.org/app-name for \`moat policy\`).`,
    )
    .action(async (file: string, opts: { networkName: string; subnet: string; network: boolean; output: string }) => {
      const format = parseOutput(opts.output, OUTPUT);
      const text = await readInput(io, file);
      const network = opts.network ? { name: opts.networkName, subnet: opts.subnet } : null;
      print(io, importCloudFoundry(text, file, { network }), format);
    });
}

function cni(cmd: Command, { io }: CliContext): void {
  cmd
    .description("CNI network configurations (.conf, .conflist, .json): one Network each, with isolation: network")
    .argument("<paths...>", "configuration files, or directories read as libcni reads them (files ending .conf, .conflist, .json, in name order)")
    .option("--subnet <name=cidr>", "the subnet of a network whose IPAM does not say (calico-ipam without ipv4_pools, dhcp); repeat for more", collect, [])
    .addHelpText(
      "after",
      `
Subnets come from the IPAM section: host-local subnet and ranges, calico-ipam ipv4_pools and
ipv6_pools given as CIDRs, static addresses. When two files name the same network, the first wins, as
in libcni. Names starting with "moat" are renamed cni-<name>.`,
    )
    .action(async (paths: string[], opts: { subnet: string[]; output: string }) => {
      const format = parseOutput(opts.output, OUTPUT);
      const subnets = opts.subnet.map((s) => {
        const eq = s.indexOf("=");
        if (eq <= 0) throw new UsageError(`--subnet ${JSON.stringify(s)} must be NAME=CIDR, e.g. network1=192.168.0.0/24`);
        return { network: s.slice(0, eq), cidr: s.slice(eq + 1) };
      });
      print(io, importCni(await readCniPaths(io, paths), { subnets }), format);
    });
}

function print(io: Io, result: ImportResult, format: (typeof OUTPUT)[number]): void {
  if (!result.ok) throw new InvalidInput(result.issues);
  for (const w of result.warnings) io.err(`warning: ${w}`);
  io.out(printManifests(result.docs, format));
}

async function readInput(io: Io, file: string): Promise<string> {
  try {
    return file === "-" ? await io.readStdin() : await io.readFile(file);
  } catch (e) {
    throw new InvalidInput([unreadable(file, e)]);
  }
}

async function readCniPaths(io: Io, paths: string[]): Promise<CniFile[]> {
  const files: CniFile[] = [];
  const issues: Issue[] = [];
  for (const path of paths) {
    try {
      if (!(await stat(path)).isDirectory()) {
        files.push({ file: path, text: await io.readFile(path) });
        continue;
      }
      const entries = await readdir(path, { withFileTypes: true });
      const names = cniConfigFiles(entries.filter((e) => !e.isDirectory()).map((e) => e.name));
      if (!names.length) issues.push({ code: "no-config", path: [], file: path, message: "no CNI network configuration here (files ending .conf, .conflist or .json)" });
      for (const name of names) files.push({ file: join(path, name), text: await io.readFile(join(path, name)) });
    } catch (e) {
      issues.push(unreadable(path, e));
    }
  }
  if (issues.length) throw new InvalidInput(issues);
  return files;
}
