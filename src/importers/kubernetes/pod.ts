// A Pod, as `kubectl get pod -o yaml` prints it, to the parts of a moat Workload.
import { parseIp, show, type Ip, type IssuePath, type NamedPort } from "../../model/index.js";
import { checkLabels } from "./labels.js";
import { dnsLabelProblem, dnsSubdomainProblem, portNameProblem, portNumberProblem } from "./names.js";
import type { Report } from "./report.js";
import type { PodDoc } from "./schema.js";

export interface PodAddress {
  ip: Ip;
  path: IssuePath;
}

export interface PodFacts {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  /** spec.nodeName; none for a pod not yet scheduled (or written by hand for analysis): on no node. */
  node?: string;
  addresses: PodAddress[];
  ports: NamedPort[];
}

/** Pods in these phases have given their address back; a later pod may hold it now. */
const ENDED = new Set(["Succeeded", "Failed"]);

/**
 * The facts of a Pod that takes part in pod networking, or undefined when it does not: a pod on the
 * host's network (it has the node's address, and NetworkPolicy does not apply to it), a pod that has
 * ended, and a pod that has no address (yet), which is told to `note`. Problems go to `report`.
 */
export function readPod(pod: PodDoc, report: Report, note: Report = () => {}): PodFacts | undefined {
  const { metadata, spec, status } = pod;
  const namespace = metadata.namespace ?? "default";
  const nameProblem = dnsSubdomainProblem(metadata.name);
  if (nameProblem) report(["metadata", "name"], "invalid-name", nameProblem);
  const nsProblem = dnsLabelProblem(namespace);
  if (nsProblem) report(["metadata", "namespace"], "invalid-name", nsProblem);
  checkLabels(metadata.labels, report);
  if (spec?.hostNetwork || ENDED.has(status?.phase ?? "")) return undefined;

  const addresses = readAddresses(status, report);
  if (!addresses.length) {
    // Addresses that were given but are wrong are reported by readAddresses.
    if (status?.podIP || status?.podIPs?.length) return undefined;
    note(["status", "podIP"], "no-address", `pod ${namespace}/${metadata.name} has no address (status.podIP) and is left out: moat knows a workload by its IP`);
    return undefined;
  }
  const facts: PodFacts = { name: metadata.name, namespace, labels: { ...(metadata.labels ?? {}) }, addresses, ports: readPorts(spec?.containers ?? [], report) };
  if (spec?.nodeName) facts.node = spec.nodeName;
  return facts;
}

/** status.podIP and status.podIPs, held to the API server's rules: podIPs[0] is podIP, one per family. */
function readAddresses(status: PodDoc["status"], report: Report): PodAddress[] {
  const listed = (status?.podIPs ?? []).map((p, i) => ({ text: p.ip, path: ["status", "podIPs", i, "ip"] as IssuePath }));
  const entries = listed.length ? listed : status?.podIP ? [{ text: status.podIP, path: ["status", "podIP"] as IssuePath }] : [];
  if (listed.length && status?.podIP && listed[0]!.text !== status.podIP) {
    report(["status", "podIPs", 0, "ip"], "invalid-value", `${show(listed[0]!.text)} must equal status.podIP ${show(status.podIP)}`);
  }
  const out: PodAddress[] = [];
  for (const { text, path } of entries) {
    const ip = parseIp(text);
    if (!ip.ok) {
      report(path, "invalid-ip", ip.message);
      continue;
    }
    if (out.some((o) => o.ip.family === ip.value.family)) {
      report(path, "invalid-value", `${show(text)}: a pod has at most one address of each family`);
      continue;
    }
    out.push({ ip: ip.value, path });
  }
  return out;
}

/** Named ports of every container: a policy's named port may be served by any of them. */
function readPorts(containers: NonNullable<NonNullable<PodDoc["spec"]>["containers"]>, report: Report): NamedPort[] {
  const ports: NamedPort[] = [];
  containers.forEach((c, ci) => {
    (c.ports ?? []).forEach((p, pi) => {
      const at = ["spec", "containers", ci, "ports", pi];
      const numberProblem = portNumberProblem(p.containerPort);
      if (numberProblem) report([...at, "containerPort"], "invalid-port", numberProblem);
      if (p.name === undefined || p.name === null) return;
      const nameProblem = portNameProblem(p.name);
      if (nameProblem) return report([...at, "name"], "invalid-port-name", nameProblem);
      if (numberProblem) return;
      const port: NamedPort = { name: p.name, port: p.containerPort, protocol: p.protocol ?? "TCP" };
      const same = ports.find((o) => o.name === port.name && o.protocol === port.protocol);
      if (!same) ports.push(port);
      else if (same.port !== port.port) report([...at, "name"], "duplicate", `port name ${show(port.name)} (${port.protocol}) already names port ${same.port} in this pod`);
    });
  });
  return ports;
}
