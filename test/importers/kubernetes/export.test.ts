import { describe, expect, it } from "vitest";
import { exportKubernetes } from "../../../src/importers/index.js";
import { API_VERSION, formatIssue, type Model } from "../../../src/model/index.js";
import { matrix } from "../../../src/policy/index.js";
import { modelOf, pod, sources } from "./helpers.js";

type Doc = Record<string, any>;
const namespace = (name: string, labels?: Record<string, string>): Doc => ({ apiVersion: API_VERSION, kind: "Namespace", metadata: { name, ...(labels ? { labels } : {}) } });
const network = (isolation = "none"): Doc => ({ apiVersion: API_VERSION, kind: "Network", metadata: { name: "lan" }, spec: { subnets: ["10.0.0.0/16", "fd00::/64"], isolation } });
const workload = (id: string, ip: string, labels: Record<string, string>, ports: Doc[] = []): Doc => {
  const [ns, name] = id.split("/");
  return { apiVersion: API_VERSION, kind: "Workload", metadata: { name, namespace: ns, labels }, spec: { node: "n1", network: "lan", ips: [ip], ports } };
};
const policy = (id: string, spec: Doc): Doc => {
  const [ns, name] = id.includes("/") ? id.split("/") : [undefined, id];
  return { apiVersion: API_VERSION, kind: "Policy", metadata: { name, ...(ns ? { namespace: ns } : {}) }, spec };
};

const world: Doc[] = [
  network(),
  namespace("shop", { env: "prod" }),
  namespace("ops", { env: "dev" }),
  workload("shop/web", "10.0.1.1", { app: "web" }, [{ name: "http", port: 8080 }]),
  workload("shop/db", "10.0.1.2", { app: "db", tier: "data" }),
  workload("ops/mon", "10.0.2.1", { app: "mon" }),
  workload("ops/job", "10.0.2.2", { app: "job", tier: "batch" }),
];

/** The same world as Kubernetes pods: what the exported policies would meet in a cluster. */
const pods = world
  .filter((d) => d.kind === "Workload")
  .map((w) => pod(`${w.metadata.namespace}/${w.metadata.name}`, { ip: w.spec.ips[0], labels: w.metadata.labels, ports: [w.spec.ports.map((p: Doc) => ({ name: p.name, containerPort: p.port }))] }));

const PORTS = [80, 8080, 8443, 53].flatMap((port) => (["TCP", "UDP", "SCTP"] as const).map((protocol) => ({ port, protocol })));
const verdicts = (m: Model) => matrix(m, PORTS).map((p) => `${p.from} ${p.to} ${p.port}/${p.protocol} ${p.allowed}`);

describe("moat policies that Kubernetes can say", () => {
  const policies = [
    policy("shop/web-in", {
      selector: 'app == "web" && moat.dev/namespace == "shop"',
      ingress: [
        { action: "Allow", from: { selector: 'app == "db"' } },
        { action: "Allow", protocol: "TCP", ports: ["8000:8100"], from: { selector: '!(app == "mon" || has(tier)) && moat.dev/namespace != "shop"' } },
        { action: "Allow", protocol: "TCP", ports: ["http"], from: { namespaceSelector: 'env in {"dev"}' } },
        { action: "Allow", protocol: "UDP", from: { cidrs: ["10.0.2.0/24", "10.0.1.0/24"], notCidrs: ["10.0.2.1/32", "10.0.1.0/24"] } },
      ],
    }),
    policy("shop/db-out", { selector: 'app == "db"', types: ["Egress"], egress: [{ action: "Allow", to: { notCidrs: ["10.0.2.0/24"] } }, { action: "Allow", protocol: "SCTP" }] }),
    policy("ops/all", { selector: "all()", types: ["Ingress", "Egress"], ingress: [{ action: "Allow", from: { selector: 'moat.dev/namespace == "ops"' } }], egress: [{ action: "Allow", to: { selector: "has(app)", namespaceSelector: 'env == "prod"' } }] }),
  ];

  it("export to NetworkPolicies that give the same verdicts on the same pods", () => {
    const moat = modelOf(sources([...world, ...policies]));
    const out = exportKubernetes(moat);
    expect(out.issues.map(formatIssue)).toEqual([]);
    const kube = modelOf([...sources(pods, "pods.yaml"), ...sources(out.docs, "exported.yaml")]);
    expect(verdicts(kube)).toEqual(verdicts(moat));
    // The policies matter: without them the verdicts differ.
    expect(verdicts(modelOf(sources(pods)))).not.toEqual(verdicts(moat));
  });

  it("write selectors as LabelSelectors, the policy's namespace as a podSelector alone, others by name", () => {
    const out = exportKubernetes(modelOf(sources([...world, ...policies])));
    const byName = (n: string) => out.docs.find((d) => (d.metadata as Doc).name === n) as Doc;
    expect(out.docs.map((d) => d.kind)).toEqual(["Namespace", "Namespace", "NetworkPolicy", "NetworkPolicy", "NetworkPolicy"]);
    const web = byName("web-in");
    expect(web.spec.podSelector).toEqual({ matchLabels: { app: "web" } });
    expect(web.spec.ingress[0]).toEqual({ from: [{ podSelector: { matchLabels: { app: "db" } }, namespaceSelector: {} }] });
    expect(web.spec.ingress[1]).toEqual({
      ports: [{ protocol: "TCP", port: 8000, endPort: 8100 }],
      from: [
        {
          podSelector: { matchExpressions: [{ key: "app", operator: "NotIn", values: ["mon"] }, { key: "tier", operator: "DoesNotExist" }] },
          namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["shop"] }] },
        },
      ],
    });
    expect(web.spec.ingress[2]).toEqual({ ports: [{ protocol: "TCP", port: "http" }], from: [{ namespaceSelector: { matchLabels: { env: "dev" } } }] });
    // 10.0.1.0/24 is removed whole; 10.0.2.1 is an except inside 10.0.2.0/24.
    expect(web.spec.ingress[3]).toEqual({ ports: [{ protocol: "UDP" }], from: [{ ipBlock: { cidr: "10.0.2.0/24", except: ["10.0.2.1/32"] } }] });
    expect(byName("db-out").spec).toEqual({
      podSelector: { matchLabels: { app: "db" } },
      policyTypes: ["Egress"],
      egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.2.0/24"] } }, { ipBlock: { cidr: "::/0" } }] }, { ports: [{ protocol: "SCTP" }] }],
    });
    expect(byName("all").spec.ingress).toEqual([{ from: [{ podSelector: {} }] }]);
    expect(byName("shop")).toEqual({ apiVersion: "v1", kind: "Namespace", metadata: { name: "shop", labels: { env: "prod" } } });
  });

  it("leaves out a rule that matches no address, which changes nothing", () => {
    const m = modelOf(sources([...world, policy("shop/p", { ingress: [{ action: "Allow", from: { cidrs: ["10.0.0.0/24"], notCidrs: ["10.0.0.0/16"] } }] })]));
    const out = exportKubernetes(m);
    expect(out.issues).toEqual([]);
    expect((out.docs.at(-1) as Doc).spec).toEqual({ podSelector: {}, policyTypes: ["Ingress"] });
  });
});

describe("what Kubernetes cannot say is an error naming the policy and the rule", () => {
  const problems = (...docs: Doc[]) => exportKubernetes(modelOf(sources([...world, ...docs]))).issues.map(formatIssue);

  it.each<[string, Doc[], string[]]>([
    ["Deny", [policy("shop/p", { ingress: [{ action: "Allow" }, { action: "Deny", from: { selector: 'app == "mon"' } }] })], ["Policy/shop/p: spec.ingress[1].action: Deny cannot be expressed: NetworkPolicy rules only allow"]],
    ["Pass and Log", [policy("shop/p", { types: ["Egress"], egress: [{ action: "Log" }, { action: "Pass" }] })], ["Policy/shop/p: spec.egress[0].action: Log cannot be expressed: NetworkPolicy rules only allow", "Policy/shop/p: spec.egress[1].action: Pass cannot be expressed: NetworkPolicy rules only allow"]],
    ["ICMP", [policy("shop/p", { ingress: [{ action: "Allow", protocol: "ICMP" }] })], ["Policy/shop/p: spec.ingress[0].protocol: ICMP cannot be expressed: NetworkPolicy ports are TCP, UDP or SCTP"]],
    ["sameLabels", [policy("shop/p", { ingress: [{ action: "Allow", from: { sameLabels: ["app"] } }] })], ['Policy/shop/p: spec.ingress[0].from.sameLabels: sameLabels ["app"] cannot be expressed: a NetworkPolicy cannot compare the labels of two pods']],
    ["networks", [policy("shop/p", { ingress: [{ action: "Allow", from: { networks: ["lan"] } }] })], ['Policy/shop/p: spec.ingress[0].from.networks: networks ["lan"] cannot be expressed: Kubernetes pods have no moat network']],
    ["addresses and selectors in one peer", [policy("shop/p", { ingress: [{ action: "Allow", from: { selector: "all()", cidrs: ["10.0.0.0/8"] } }] })], ["Policy/shop/p: spec.ingress[0].from: a peer with both addresses (cidrs, notCidrs) and selectors cannot be expressed: an ipBlock peer may not also select pods"]],
    ["|| in the policy's selector", [policy("shop/p", { selector: 'app == "web" || app == "db"' })], ['Policy/shop/p: spec.selector: "app == \\"web\\" || app == \\"db\\"" cannot be expressed: it uses ||, and a Kubernetes label selector can only AND its terms']],
    ["|| in a peer's selector", [policy("shop/p", { ingress: [{ action: "Allow", from: { selector: 'app == "web" || has(tier)' } }] })], ['Policy/shop/p: spec.ingress[0].from.selector: "app == \\"web\\" || has(tier)" cannot be expressed: it uses ||, and a Kubernetes label selector can only AND its terms']],
    ["moat's own labels", [policy("shop/p", { selector: 'moat.dev/node == "n1"' })], ['Policy/shop/p: spec.selector: "moat.dev/node == \\"n1\\"" cannot be expressed: moat.dev/node is moat\'s own label, and a Kubernetes pod has no such label']],
    ["a selector of another namespace", [policy("shop/p", { selector: 'moat.dev/namespace == "ops"' })], ['Policy/shop/p: spec.selector: "moat.dev/namespace == \\"ops\\"" cannot be expressed: it selects no workload of the policy\'s namespace "shop"']],
    ["no namespace", [policy("global", { selector: "all()" })], ['Policy/global: metadata.namespace: policy "global" has no namespace: a NetworkPolicy lives in one namespace and applies to its pods only']],
    ["a name Kubernetes refuses", [policy("shop/Web_In", {})], [`Policy/shop/Web_In: metadata.name: "Web_In" is not a valid name: it must be at most 253 characters of lowercase letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit`]],
  ])("%s", (_, docs, expected) => {
    expect(problems(...docs)).toEqual(expected);
  });

  it("a network whose workloads are not open by default", () => {
    const docs = [network("workload"), ...world.slice(1)];
    expect(exportKubernetes(modelOf(sources(docs))).issues.map(formatIssue)).toEqual([
      'Network/lan: spec.isolation: isolation "workload" cannot be expressed: Kubernetes lets in what no NetworkPolicy selects, like isolation "none"',
    ]);
  });

  it("gives no documents when anything cannot be said", () => {
    expect(exportKubernetes(modelOf(sources([...world, policy("shop/p", { ingress: [{ action: "Deny" }] })]))).docs).toEqual([]);
  });
});
