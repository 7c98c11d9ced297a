// A model that exercises every kind of set and rule, with as many workloads as asked for. Labels come from
// small fixed palettes, so 6 workloads and 600 hold the same label values and differ only in number.
import { API_VERSION } from "../../src/model/index.js";
import { namespace, network, policy, workload } from "../model/manifests.js";

export const APPS = ["web", "api", "db"];
export const STACKS = ["s1", "s2"];

export function settings(denyAction: "Reject" | "Drop"): Record<string, unknown> {
  return { apiVersion: API_VERSION, kind: "Settings", metadata: { name: "default" }, spec: { denyAction } };
}

export function workloadDocs(n: number, offset = 0): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, j) => {
    const i = j + offset;
    const net = ["open", "closed", "guarded"][i % 3]!;
    const host = `${Math.floor(i / 250)}.${(i % 250) + 1}`;
    const ips = net === "open" ? [`10.1.${host}`, `fd00:1::${i.toString(16)}:1`] : net === "closed" ? [`10.2.${host}`] : [`fd00:3::${i.toString(16)}:1`];
    return workload(`w-${i}`, {
      network: net,
      ips,
      node: i % 2 === 0 ? "node-1" : "node-2",
      namespace: i % 4 < 2 ? "team-a" : "team-b",
      labels: { app: APPS[i % 3]!, stack: STACKS[Math.floor(i / 3) % 2]! },
      ...(i % 5 === 4 ? {} : { interface: `veth${i}` }),
      ports: [{ name: "http", port: 8000 + (i % 3) }],
    });
  });
}

export const infraDocs = [
  namespace("team-a", { team: "a" }),
  namespace("team-b", { team: "b" }),
  network("open", ["10.1.0.0/16", "fd00:1::/64"]),
  network("closed", ["10.2.0.0/16"], "network"),
  network("guarded", ["fd00:3::/64"], "workload"),
];

export const policyDocs = [
  policy("api-ingress", {
    order: 10,
    selector: 'app == "api"',
    ingress: [
      { action: "Log", protocol: "TCP" },
      { action: "Allow", protocol: "TCP", ports: ["http", 443, "9000:9100"], from: { selector: 'app == "web"', networks: ["open", "closed"] } },
      { action: "Deny", from: { cidrs: ["0.0.0.0/0", "::/0"], notCidrs: ["10.0.0.0/8"] } },
      { action: "Pass", protocol: "ICMP" },
    ],
  }),
  policy("same-stack", { order: 20, selector: "all()", types: ["Ingress"], ingress: [{ action: "Allow", from: { sameLabels: ["stack"] } }, { action: "Deny" }] }),
  policy("db-egress", { order: 30, selector: 'app == "db"', types: ["Egress"], egress: [{ action: "Allow", protocol: "UDP", ports: [53], to: { cidrs: ["192.0.2.53/32"] } }, { action: "Deny" }] }),
  policy("team-b-only", { selector: "has(app)", ingress: [{ action: "Allow", from: { namespaceSelector: 'team == "b"' } }] }, { namespace: "team-b" }),
];

export const scaledDocs = (n: number) => [...infraDocs, ...workloadDocs(n), ...policyDocs];
