import { describe, expect, it } from "vitest";
import { POD_NETWORK, toMoatDocuments } from "../../../src/importers/index.js";
import { API_VERSION, formatIssue, NO_NODE } from "../../../src/model/index.js";
import { issuesOf, modelOf, ns, pod, sources } from "./helpers.js";

describe("a Pod becomes a Workload", () => {
  const ports = [
    [{ name: "http", containerPort: 8080 }, { containerPort: 9090 }],
    [{ name: "dns", containerPort: 53, protocol: "UDP" }, { name: "dns", containerPort: 53, protocol: "TCP" }],
  ];

  it("named namespace/name, with its labels, addresses, node and the named ports of all its containers", () => {
    const m = modelOf(sources([pod("shop/web-1", { labels: { app: "web" }, ip: ["10.1.0.5", "fd00::5"], node: "n2", ports })]));
    expect(m.workloads).toHaveLength(1);
    const w = m.workloads[0]!;
    expect(w).toMatchObject({ id: "shop/web-1", name: "web-1", namespace: "shop", node: "n2", network: POD_NETWORK });
    expect(w.labels).toMatchObject({ app: "web", "moat.dev/namespace": "shop", "moat.dev/name": "web-1" });
    expect(w.ips.map((i) => i.text)).toEqual(["10.1.0.5", "fd00::5"]);
    expect(w.ports).toEqual([
      { name: "http", port: 8080, protocol: "TCP" },
      { name: "dns", port: 53, protocol: "UDP" },
      { name: "dns", port: 53, protocol: "TCP" },
    ]);
  });

  it("reads status.podIP alone when podIPs is absent", () => {
    const p = pod("a/p", { ip: "10.0.0.1" });
    delete p.status.podIPs;
    expect(modelOf(sources([p])).workloads[0]!.ips.map((i) => i.text)).toEqual(["10.0.0.1"]);
  });

  it("accepts every field of a real pod and ignores those moat does not need", () => {
    const p = pod("a/p", { ip: "10.0.0.1" });
    Object.assign(p.metadata, { uid: "0b1c", resourceVersion: "42", creationTimestamp: "2024-01-01T00:00:00Z", ownerReferences: [{ kind: "ReplicaSet", name: "p-1" }], annotations: { x: "y" } });
    Object.assign(p.spec, { volumes: [{ name: "v", emptyDir: {} }], restartPolicy: "Always", dnsPolicy: "ClusterFirst", tolerations: [], securityContext: {}, schedulingGates: [] });
    Object.assign(p.spec.containers[0], { command: ["/bin/sh"], args: ["-c", "sleep 1"], livenessProbe: { httpGet: { path: "/", port: 80 } }, resources: {}, env: [{ name: "A", value: "1" }] });
    Object.assign(p.status, { conditions: [{ type: "Ready", status: "True" }], hostIP: "172.18.0.2", qosClass: "BestEffort", containerStatuses: [], startTime: null });
    expect(issuesOf(sources([p]))).toEqual([]);
  });

  it("puts a pod without metadata.namespace in default, as kubectl does", () => {
    const p = pod("x/p", { ip: "10.0.0.1" });
    delete p.metadata.namespace;
    expect(modelOf(sources([p])).workloads[0]!.id).toBe("default/p");
  });

  it("leaves out pods outside pod networking: host network, ended, pending without an address", () => {
    const m = modelOf(
      sources([
        pod("a/host", { ip: "172.18.0.2", hostNetwork: true }),
        pod("a/done", { ip: "10.0.0.1", phase: "Succeeded" }),
        pod("a/failed", { ip: "10.0.0.1", phase: "Failed" }),
        pod("a/pending", { phase: "Pending" }),
        pod("a/running", { ip: "10.0.0.1" }),
      ]),
    );
    expect(m.workloads.map((w) => w.id)).toEqual(["a/running"]);
  });
});

describe("the pods' network", () => {
  it("is made of the fewest prefixes that hold exactly the pods' addresses, isolation none, the same in any order", () => {
    const pods = [pod("a/p", { ip: ["10.0.0.9", "fd00::1"] }), pod("b/q", { ip: "10.0.0.2" }), pod("b/r", { ip: "10.0.0.3" })];
    const net = (list: unknown[]) => modelOf(sources(list)).networks.find((n) => n.name === POD_NETWORK)!;
    expect(net(pods).isolation).toBe("none");
    expect(net(pods).subnets.map((c) => c.text)).toEqual(["10.0.0.2/31", "10.0.0.9/32", "fd00::1/128"]);
    expect(net([...pods].reverse()).subnets).toEqual(net(pods).subnets);
  });

  it("is the user's own Network named kubernetes when one is given, and addresses must lie in it", () => {
    const network = { apiVersion: API_VERSION, kind: "Network", metadata: { name: POD_NETWORK }, spec: { subnets: ["10.244.0.0/16"], isolation: "workload" } };
    const m = modelOf(sources([network, pod("a/p", { ip: "10.244.1.1" })]));
    expect(m.networks).toHaveLength(1);
    expect(m.networks[0]!.isolation).toBe("workload");
    expect(issuesOf(sources([network, pod("a/p", { ip: "10.9.0.1" })]))).toEqual([
      'in.yaml#2: Pod/a/p: status.podIPs[0].ip: "10.9.0.1" is outside network "kubernetes"\'s subnets (10.244.0.0/16)',
    ]);
  });

  it("is not the name of a namespace's label: the namespaces of pods exist with kubernetes.io/metadata.name", () => {
    const m = modelOf(sources([ns("a", { team: "t" }), pod("a/p", { ip: "10.0.0.1" }), pod("b/q", { ip: "10.0.0.2" })]));
    expect(m.namespaces).toEqual([
      { name: "a", labels: { team: "t", "kubernetes.io/metadata.name": "a" } },
      { name: "b", labels: { "kubernetes.io/metadata.name": "b" } },
    ]);
  });

  it("keeps kubernetes.io/metadata.name equal to the namespace's name, as the API server does", () => {
    const m = modelOf(sources([ns("a", { "kubernetes.io/metadata.name": "other" })]));
    expect(m.namespaces[0]!.labels).toEqual({ "kubernetes.io/metadata.name": "a" });
  });
});

describe("bad pods are reported with file, resource, path and value, and left out", () => {
  const cases: [string, unknown[], string[]][] = [
    ["an address twice", [pod("a/p", { ip: "10.0.0.1" }), pod("b/q", { ip: "10.0.0.1" })], ['in.yaml#2: Pod/b/q: status.podIPs[0].ip: "10.0.0.1" is already the address of pod a/p']],
    ["not an address", [pod("a/p", { ip: "10.0.0.300" })], ['in.yaml#1: Pod/a/p: status.podIPs[0].ip: "10.0.0.300" is not a valid IPv4 or IPv6 address']],
    ["two of one family", [pod("a/p", { ip: ["10.0.0.1", "10.0.0.2"] })], ['in.yaml#1: Pod/a/p: status.podIPs[1].ip: "10.0.0.2": a pod has at most one address of each family']],
    ["a label that is not one", [pod("a/p", { ip: "10.0.0.1", labels: { app: "a b" } })], ['in.yaml#1: Pod/a/p: metadata.labels.app: label value "a b" is invalid: it must be at most 63 characters of [A-Za-z0-9-_.], starting and ending with a letter or digit']],
    ["a label of moat's own", [pod("a/p", { ip: "10.0.0.1", labels: { "moat.dev/name": "x" } })], ['in.yaml#1: Pod/a/p: metadata.labels.moat.dev/name: label key "moat.dev/name" is reserved: moat sets the moat.dev/* labels itself']],
    ["an upper-case name", [pod("a/Web", { ip: "10.0.0.1" })], [`in.yaml#1: Pod/a/Web: metadata.name: "Web" is not a valid name: it must be at most 253 characters of lowercase letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit`]],
    ["a label value of the wrong type", [pod("a/p", { ip: "10.0.0.1", labels: { tier: 1 as unknown as string } })], ["in.yaml#1: Pod/a/p: metadata.labels.tier: expected string, got 1"]],
  ];
  it.each(cases)("%s", (_, docs, expected) => {
    expect(issuesOf(sources(docs))).toEqual(expected);
  });

  it("a port name used twice for different ports, and port names Kubernetes forbids", () => {
    const p = pod("a/p", { ip: "10.0.0.1", ports: [[{ name: "web", containerPort: 80 }], [{ name: "web", containerPort: 81 }, { name: "Web--1", containerPort: 82 }, { name: "x", containerPort: 0 }]] });
    expect(issuesOf(sources([p]))).toEqual([
      'in.yaml#1: Pod/a/p: spec.containers[1].ports[0].name: port name "web" (TCP) already names port 80 in this pod',
      `in.yaml#1: Pod/a/p: spec.containers[1].ports[1].name: "Web--1" is not a valid port name: 1-15 lowercase letters, digits and '-', with at least one letter, no '--', not starting or ending with '-'`,
      "in.yaml#1: Pod/a/p: spec.containers[1].ports[2].containerPort: 0 is not a port number: it must be 1..65535",
    ]);
  });

  it("a Namespace label that is not one", () => {
    expect(issuesOf(sources([ns("a", { "bad key!": "x" })]))).toEqual([
      'in.yaml#1: Namespace/a: metadata.labels.bad key!: label key "bad key!" is invalid: the name part must be 1-63 characters of [A-Za-z0-9-_.], starting and ending with a letter or digit',
    ]);
  });

  it("an address of a pod inside a moat network", () => {
    const lan = { apiVersion: API_VERSION, kind: "Network", metadata: { name: "lan" }, spec: { subnets: ["10.0.0.0/24"] } };
    expect(issuesOf(sources([lan, pod("a/p", { ip: "10.0.0.7" })]))).toEqual([
      'in.yaml#2: Pod/a/p: status.podIPs[0].ip: "10.0.0.7" is inside moat network "lan" (10.0.0.0/24); pods belong to the network "kubernetes"',
    ]);
  });
});

describe("documents that are neither moat's nor Kubernetes' kinds moat reads", () => {
  it("are reported by apiVersion and kind", () => {
    const r = toMoatDocuments(sources([{ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" } }, { apiVersion: "v1", kind: "Service", metadata: { name: "s" } }]));
    expect(r.docs).toEqual([]);
    expect(r.issues).toEqual([
      expect.objectContaining({ file: "in.yaml", document: 0, path: ["apiVersion"], message: expect.stringContaining('"apps/v1" "Deployment" is not supported') }),
      expect.objectContaining({ file: "in.yaml", document: 1, path: ["kind"], message: expect.stringContaining('"v1" "Service" is not supported') }),
    ]);
  });

  it("moat documents pass through unchanged", () => {
    const doc = { apiVersion: API_VERSION, kind: "Network", metadata: { name: "lan" }, spec: { subnets: ["10.0.0.0/24"] } };
    const input = sources([doc, pod("a/p", { ip: "10.1.0.1" })]);
    expect(toMoatDocuments(input).docs[0]).toBe(input[0]);
  });
});

describe("pods that are valid but not (yet) placed (issue 7)", () => {
  it("a pod with an address and no spec.nodeName is a workload on no node", () => {
    const m = modelOf(sources([{ ...pod("a/p", { ip: "10.0.0.1", labels: { app: "x" } }), spec: {} }]));
    expect(m.workloads).toHaveLength(1);
    expect(m.workloads[0]).toMatchObject({ id: "a/p", node: NO_NODE });
    expect(m.workloads[0]!.labels).not.toHaveProperty("moat.dev/node");
  });

  it("a pod with no address at all is left out with a note, not an issue", () => {
    for (const p of [{ ...pod("a/p"), status: undefined }, pod("a/pending", { phase: "Pending" })]) {
      const converted = toMoatDocuments(sources([p, pod("a/q", { ip: "10.0.0.1" })]));
      expect(converted.issues).toEqual([]);
      expect(converted.notes.map(formatIssue)).toEqual([`in.yaml#1: Pod/a/${p.metadata.name}: status.podIP: pod a/${p.metadata.name} has no address (status.podIP) and is left out: moat knows a workload by its IP`]);
    }
  });

  it("keeps Kubernetes names that start with moat: a namespace moat-system, a pod moat-web, a policy moat-allow", () => {
    const policy = { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "moat-allow", namespace: "moat-system" }, spec: { podSelector: {} } };
    const m = modelOf(sources([ns("moat-system"), pod("moat-system/moat-web", { ip: "10.0.0.1" }), policy]));
    expect(m.workloads.map((w) => w.id)).toEqual(["moat-system/moat-web"]);
    expect(m.namespaces.map((n) => n.name)).toEqual(["moat-system"]);
    expect(m.policies.map((p) => p.id)).toEqual(["moat-system/moat-allow"]);
  });

  it("still reserves the prefix for moat's own kinds", () => {
    const own = { apiVersion: API_VERSION, kind: "Network", metadata: { name: "moat-net" }, spec: { subnets: ["10.9.0.0/16"] } };
    expect(issuesOf(sources([own]))[0]).toMatch(/reserved/);
  });
});
