// Rancher 1.x network policy to moat: the network resource (--network) gives the Network and the
// environment Policy; Rancher's containers (--containers, optional) give the Workloads.
import type { Issue } from "../../model/index.js";
import { finishImport, issueSink, nameRegistry, parseJson, resource, type Doc, type ImportResult, type Origin } from "../emit.js";
import { readContainers } from "./containers.js";
import { readNetwork } from "./network.js";
import { environmentPolicies } from "./policies.js";

export interface RancherInput {
  network: { file: string; text: string };
  containers?: { file: string; text: string };
}

export function importRancher(input: RancherInput): ImportResult {
  const warnings: string[] = [];
  const warn = (w: string) => void warnings.push(w);
  const issues: Issue[] = [];
  const keys = new Set<string>();

  const netFile = input.network.file;
  const netJson = parseJson(input.network.text, netFile);
  const netSink = issueSink(netFile);
  const network = netJson.ok ? readNetwork(netJson.value, netSink.report, keys, (w) => warn(`${netFile}: ${w}`)) : undefined;
  if (!netJson.ok) issues.push(...netJson.issues);
  const networkNames = nameRegistry("network", "rancher");
  const networkName = network ? networkNames.claim(network.name, ["name"], netSink.report) : undefined;
  issues.push(...netSink.issues);

  const docs: Doc[] = [];
  const origins: Origin[] = [];
  if (network && networkName) {
    docs.push(resource("Network", { name: networkName }, { subnets: network.subnets.map((c) => c.text), isolation: "none" }));
    origins.push({ file: netFile, path: ["subnets"] });
  }

  const workloadNames = nameRegistry("container", "rancher");
  if (input.containers) {
    const { file, text } = input.containers;
    const json = parseJson(text, file);
    if (!json.ok) issues.push(...json.issues);
    else {
      const sink = issueSink(file);
      const read = readContainers(json.value, file, sink.report, { network: networkName ?? "?", keys, claim: workloadNames.claim, warn: (w) => warn(`${file}: ${w}`) });
      docs.push(...read.docs);
      origins.push(...read.origins);
      issues.push(...sink.issues);
    }
  }
  if (issues.length || !network || !networkName) return { ok: false, issues };

  const policies = environmentPolicies(networkName, network.rules, network.defaultAction, netFile);
  docs.push(...policies.docs);
  origins.push(...policies.origins);
  return finishImport(docs, origins, [...warnings, ...networkNames.warnings, ...workloadNames.warnings]);
}
