// A DC/OS-like model split over two files (networks; workloads and policy), plus a namespaced one in JSON.

export const NETWORKS = `
apiVersion: moat.dev/v1
kind: Network
metadata: {name: it}
spec: {subnets: [10.250.0.0/16], isolation: network}
---
apiVersion: moat.dev/v1
kind: Network
metadata: {name: hr}
spec: {subnets: [192.168.0.0/16, "fd00:12::/64"], isolation: network}
`;

export const APPS = `
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: it-1}
spec: {node: agent-1, network: it, ips: [10.250.0.2], ports: [{name: http, port: 80}]}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: hr-1}
spec: {node: agent-1, network: hr, ips: [192.168.0.2, "fd00:12::2"], ports: [{name: http-alt, port: 8080}]}
---
apiVersion: moat.dev/v1
kind: Policy
metadata: {name: hr-to-it}
spec:
  selector: moat.dev/network == "it"
  ingress:
    - {action: Allow, protocol: TCP, ports: [80], from: {networks: [hr]}}
    - {action: Pass}
`;

/** JSON, a kind: List, with workloads in namespaces. */
export const SHOP = JSON.stringify({
  apiVersion: "v1",
  kind: "List",
  items: [
    { apiVersion: "moat.dev/v1", kind: "Network", metadata: { name: "shop" }, spec: { subnets: ["10.9.0.0/24"], isolation: "workload" } },
    { apiVersion: "moat.dev/v1", kind: "Workload", metadata: { name: "api", namespace: "prod" }, spec: { node: "n", network: "shop", ips: ["10.9.0.1"] } },
    { apiVersion: "moat.dev/v1", kind: "Workload", metadata: { name: "api", namespace: "dev" }, spec: { node: "n", network: "shop", ips: ["10.9.0.2"] } },
    { apiVersion: "moat.dev/v1", kind: "Workload", metadata: { name: "web", namespace: "prod" }, spec: { node: "n", network: "shop", ips: ["10.9.0.3"] } },
    {
      apiVersion: "moat.dev/v1",
      kind: "Policy",
      metadata: { name: "web-to-api", namespace: "prod" },
      spec: { selector: 'moat.dev/name == "api"', ingress: [{ action: "Allow", protocol: "TCP", ports: [443], from: { selector: 'moat.dev/name == "web"' } }] },
    },
  ],
});

/** Four issues in three documents: a CIDR typo; an unknown field (so spec is missing); a network that does not exist. */
export const BROKEN = `
apiVersion: moat.dev/v1
kind: Network
metadata: {name: finance}
spec: {subnets: [192.168.0.0./16]}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: w}
spce: {}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: x}
spec: {node: n, network: nowhere, ips: [10.0.0.1]}
`;

export const FILES = { "nets.yaml": NETWORKS, "apps.yaml": APPS, "shop.json": SHOP, "broken.yaml": BROKEN };
