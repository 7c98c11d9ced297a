// CNI network configurations to moat Networks with `isolation: network`: what Calico gave each rkt
// network (members reach each other, other networks are denied). One Network per network name; when
// two files name the same network the first one wins, as libcni takes the first file in name order.
import { parseCidr, show, type Cidr, type Issue } from "../../model/index.js";
import { finishImport, issueSink, nameRegistry, parseJson, resource, type Doc, type ImportResult, type Origin, type Report } from "../emit.js";
import { readCniConfig, type CniNetwork } from "./config.js";

export interface CniFile {
  file: string;
  text: string;
}

export interface CniOptions {
  /** --subnet NAME=CIDR: subnets for a network (by its CNI name), in place of what its IPAM says. */
  subnets?: ReadonlyArray<{ network: string; cidr: string }>;
}

const CONFIG_EXTENSIONS = [".conf", ".conflist", ".json"];

/** The entries of a directory that libcni would read, in the order it reads them. */
export function cniConfigFiles(names: readonly string[]): string[] {
  return names.filter((n) => CONFIG_EXTENSIONS.some((ext) => n.endsWith(ext))).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function importCni(files: readonly CniFile[], options: CniOptions = {}): ImportResult {
  const issues: Issue[] = [];
  const warnings: string[] = [];
  const overrides = readOverrides(options.subnets ?? [], issues);
  const names = nameRegistry("network", "cni");
  const firstFile = new Map<string, string>();
  const docs: Doc[] = [];
  const origins: Origin[] = [];

  for (const { file, text } of files) {
    const parsed = parseJson(text, file);
    if (!parsed.ok) {
      issues.push(...parsed.issues);
      continue;
    }
    const sink = issueSink(file);
    const net = readCniConfig(parsed.value, file, sink.report);
    if (net && !sink.issues.length) add(net, file, sink.report);
    issues.push(...sink.issues);
  }

  function add(net: CniNetwork, file: string, report: Report): void {
    const first = firstFile.get(net.name);
    if (first !== undefined) {
      warnings.push(`${file}: network ${show(net.name)} is already defined by ${first}; this file is ignored, as libcni reads the first`);
      return;
    }
    firstFile.set(net.name, file);
    const name = names.claim(net.name, ["name"], report);
    const override = overrides.get(net.name);
    const subnets = override ?? ("subnets" in net.subnets ? net.subnets.subnets : []);
    if (!subnets.length) {
      const why = "unknown" in net.subnets ? net.subnets.unknown : "its ipam section lists no subnet";
      return report(net.ipamPath, "no-subnet", `network ${show(net.name)} has no subnet moat can use: ${why}; give it with --subnet ${net.name}=CIDR`);
    }
    if (!name) return;
    docs.push(resource("Network", { name }, { subnets: [...new Set(subnets.map((c) => c.text))], isolation: "network" }));
    origins.push({ file, path: override ? [] : net.ipamPath });
  }

  for (const network of overrides.keys()) {
    if (!firstFile.has(network)) issues.push({ code: "unknown-network", path: [], file: "--subnet", message: `network ${show(network)} is not named by any configuration that was read` });
  }
  warnings.push(...names.warnings);
  if (issues.length) return { ok: false, issues };
  return finishImport(docs, origins, warnings);
}

function readOverrides(list: ReadonlyArray<{ network: string; cidr: string }>, issues: Issue[]): Map<string, Cidr[]> {
  const out = new Map<string, Cidr[]>();
  list.forEach(({ network, cidr }) => {
    const c = parseCidr(cidr);
    if (!c.ok || !cidr.includes("/")) {
      issues.push({ code: "invalid-cidr", path: [], file: "--subnet", message: `${network}=${cidr}: ${c.ok ? `${show(cidr)} has no prefix length` : c.message}` });
      return;
    }
    out.set(network, [...(out.get(network) ?? []), c.value]);
  });
  return out;
}
