// NetworkPolicy semantics, checked by the verdicts of a small cluster rather than by the text of the
// translation: two namespaces, four pods.
import { describe, expect, it } from "vitest";
import type { Model, Protocol } from "../../../src/model/index.js";
import { decide, pairAddresses } from "../../../src/policy/index.js";
import { issuesOf, modelOf, netpol, ns, pod, sources } from "./helpers.js";

const cluster = [
  ns("a", { team: "red" }),
  ns("b", { team: "blue" }),
  pod("a/web", { ip: "10.0.1.1", labels: { app: "web", tier: "front" }, ports: [[{ name: "http", containerPort: 8080 }], [{ name: "dns", containerPort: 53, protocol: "UDP" }]] }),
  pod("a/db", { ip: "10.0.1.2", labels: { app: "db" } }),
  pod("b/client", { ip: "10.0.2.1", labels: { app: "client" } }),
  pod("b/other", { ip: "10.0.2.2" }),
];
const PODS = ["a/web", "a/db", "b/client", "b/other"];

function withPolicies(...policies: Record<string, unknown>[]): Model {
  return modelOf(sources([...cluster, ...policies]));
}

function allowed(m: Model, from: string, to: string, port = 80, protocol: Protocol = "TCP"): boolean {
  const w = (id: string) => m.workloads.find((x) => x.id === id)!;
  const [src, dst] = pairAddresses(w(from), w(to))!;
  return decide(m, { src, dst, protocol, port }).allowed;
}

/** Who may reach `to` on a port: the sources, other than itself, that are allowed. */
function sourcesOf(m: Model, to: string, port = 80, protocol: Protocol = "TCP"): string[] {
  return PODS.filter((from) => from !== to && allowed(m, from, to, port, protocol));
}

/** Where `from` may go on a port. */
function targetsOf(m: Model, from: string, port = 80, protocol: Protocol = "TCP"): string[] {
  return PODS.filter((to) => to !== from && allowed(m, from, to, port, protocol));
}

const web = (spec: Record<string, unknown>, name = "p") => netpol(`a/${name}`, { podSelector: { matchLabels: { app: "web" } }, ...spec });

describe("policy types and rule lists", () => {
  it("without policies everything is allowed", () => {
    expect(sourcesOf(withPolicies(), "a/web")).toEqual(["a/db", "b/client", "b/other"]);
  });

  it("policyTypes defaults to Ingress, and to Ingress and Egress when there are egress rules", () => {
    const m = withPolicies(web({}));
    expect(m.policies[0]!.types).toEqual(["Ingress"]);
    expect(sourcesOf(m, "a/web")).toEqual([]);
    expect(targetsOf(m, "a/web")).toEqual(["a/db", "b/client", "b/other"]);
    const withEgress = withPolicies(web({ egress: [{ to: [{ podSelector: { matchLabels: { app: "db" } } }] }] }));
    expect(withEgress.policies[0]!.types).toEqual(["Ingress", "Egress"]);
    expect(targetsOf(withEgress, "a/web")).toEqual(["a/db"]);
  });

  it("an empty egress list does not add Egress by default, nor does an empty policyTypes list", () => {
    expect(withPolicies(web({ egress: [] })).policies[0]!.types).toEqual(["Ingress"]);
    expect(withPolicies(web({ policyTypes: [] })).policies[0]!.types).toEqual(["Ingress"]);
  });

  it("ingress: [] denies every source, ingress: [{}] allows every source", () => {
    expect(sourcesOf(withPolicies(web({ policyTypes: ["Ingress"], ingress: [] })), "a/web")).toEqual([]);
    expect(sourcesOf(withPolicies(web({ policyTypes: ["Ingress"], ingress: [{}] })), "a/web")).toEqual(["a/db", "b/client", "b/other"]);
  });

  it("Egress alone leaves ingress open and ignores ingress rules given anyway", () => {
    const m = withPolicies(web({ policyTypes: ["Egress"], ingress: [{ from: [{ podSelector: {} }] }] }));
    expect(sourcesOf(m, "a/web")).toEqual(["a/db", "b/client", "b/other"]);
    expect(targetsOf(m, "a/web")).toEqual([]);
  });

  it("an empty podSelector selects every pod of the policy's namespace only", () => {
    const m = withPolicies(netpol("a/all", { podSelector: {} }));
    expect(sourcesOf(m, "a/web")).toEqual([]);
    expect(sourcesOf(m, "a/db")).toEqual([]);
    expect(sourcesOf(m, "b/client")).toEqual(["a/web", "a/db", "b/other"]);
  });

  it("a policy that selects nothing changes nothing", () => {
    expect(sourcesOf(withPolicies(netpol("a/none", { podSelector: { matchLabels: { app: "nope" } } })), "a/web")).toEqual(["a/db", "b/client", "b/other"]);
  });

  it("several policies on one pod allow the union of their rules", () => {
    const m = withPolicies(
      web({ ingress: [{ from: [{ podSelector: { matchLabels: { app: "db" } } }] }] }, "one"),
      web({ ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "blue" } }, podSelector: { matchLabels: { app: "client" } } }] }] }, "two"),
    );
    expect(sourcesOf(m, "a/web")).toEqual(["a/db", "b/client"]);
  });
});

describe("peers", () => {
  it("a podSelector alone means pods of the policy's namespace", () => {
    expect(sourcesOf(withPolicies(web({ ingress: [{ from: [{ podSelector: {} }] }] })), "a/web")).toEqual(["a/db"]);
  });

  it("a namespaceSelector alone means every pod of the namespaces it selects", () => {
    expect(sourcesOf(withPolicies(web({ ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "blue" } } }] }] })), "a/web")).toEqual(["b/client", "b/other"]);
    expect(sourcesOf(withPolicies(web({ ingress: [{ from: [{ namespaceSelector: {} }] }] })), "a/web")).toEqual(["a/db", "b/client", "b/other"]);
  });

  it("both in one peer must both hold; in two peers either may", () => {
    const client = { podSelector: { matchLabels: { app: "client" } } };
    const blue = { namespaceSelector: { matchLabels: { team: "blue" } } };
    expect(sourcesOf(withPolicies(web({ ingress: [{ from: [{ ...client, ...blue }] }] })), "a/web")).toEqual(["b/client"]);
    // The second peer's podSelector is the policy's own namespace, where no pod is a client.
    expect(sourcesOf(withPolicies(web({ ingress: [{ from: [client, blue] }] })), "a/web")).toEqual(["b/client", "b/other"]);
  });

  it("matchExpressions: In, NotIn (true without the label), Exists, DoesNotExist, ANDed with matchLabels", () => {
    const from = (sel: Record<string, unknown>) => sourcesOf(withPolicies(web({ ingress: [{ from: [{ namespaceSelector: {}, podSelector: sel }] }] })), "a/web");
    const expr = (operator: string, values?: string[]) => ({ matchExpressions: [{ key: "app", operator, ...(values ? { values } : {}) }] });
    expect(from(expr("In", ["db", "client"]))).toEqual(["a/db", "b/client"]);
    expect(from(expr("NotIn", ["db"]))).toEqual(["b/client", "b/other"]);
    expect(from(expr("Exists"))).toEqual(["a/db", "b/client"]);
    expect(from(expr("DoesNotExist"))).toEqual(["b/other"]);
    expect(from({ matchLabels: { app: "client" }, ...expr("In", ["db", "client"]) })).toEqual(["b/client"]);
  });

  it("namespaceSelector matches the kubernetes.io/metadata.name label of every namespace", () => {
    const sel = { namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["a"] }] } };
    expect(sourcesOf(withPolicies(web({ ingress: [{ from: [sel] }] })), "a/web")).toEqual(["b/client", "b/other"]);
  });

  it("ipBlock with except matches addresses, pods' included", () => {
    const m = withPolicies(web({ ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/16", except: ["10.0.2.0/24", "10.0.1.2/32"] } }] }] }));
    expect(sourcesOf(m, "a/web")).toEqual([]);
    const n = withPolicies(web({ ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/16", except: ["10.0.2.2/32"] } }] }] }));
    expect(sourcesOf(n, "a/web")).toEqual(["a/db", "b/client"]);
  });

  it("ipBlock with host bits set is read as Go's ParseCIDR reads it: masked", () => {
    const m = withPolicies(web({ ingress: [{ from: [{ ipBlock: { cidr: "10.0.2.1/24" } }] }] }));
    expect(m.policies[0]!.ingress[0]!.peer!.cidrs!.map((c) => c.text)).toEqual(["10.0.2.0/24"]);
    expect(sourcesOf(m, "a/web")).toEqual(["b/client", "b/other"]);
  });
});

describe("ports", () => {
  const ingressOn = (ports: unknown[]) => withPolicies(web({ ingress: [{ ports }] }));

  it("a port with no protocol is TCP", () => {
    const m = ingressOn([{ port: 80 }]);
    expect(sourcesOf(m, "a/web", 80, "TCP")).toHaveLength(3);
    expect(sourcesOf(m, "a/web", 80, "UDP")).toEqual([]);
    expect(sourcesOf(m, "a/web", 81, "TCP")).toEqual([]);
  });

  it("UDP and SCTP ports, and a protocol with no port allows every port of it", () => {
    const m = ingressOn([{ port: 53, protocol: "UDP" }, { protocol: "SCTP" }]);
    expect(sourcesOf(m, "a/web", 53, "UDP")).toHaveLength(3);
    expect(sourcesOf(m, "a/web", 53, "TCP")).toEqual([]);
    expect(sourcesOf(m, "a/web", 9999, "SCTP")).toHaveLength(3);
  });

  it("endPort makes a range, both ends included", () => {
    const m = ingressOn([{ port: 8000, endPort: 8010 }]);
    expect([7999, 8000, 8010, 8011].map((p) => sourcesOf(m, "a/web", p).length)).toEqual([0, 3, 3, 0]);
  });

  it("a named port is the destination's port of that name and protocol", () => {
    const m = ingressOn([{ port: "http" }]);
    expect(sourcesOf(m, "a/web", 8080)).toHaveLength(3);
    expect(sourcesOf(m, "a/web", 80)).toEqual([]);
    expect(sourcesOf(ingressOn([{ port: "dns" }]), "a/web", 53, "UDP")).toEqual([]);
    expect(sourcesOf(ingressOn([{ port: "dns", protocol: "UDP" }]), "a/web", 53, "UDP")).toHaveLength(3);
  });

  it("an egress named port is looked up on the destination pod", () => {
    const m = withPolicies(netpol("b/out", { podSelector: {}, policyTypes: ["Egress"], egress: [{ ports: [{ port: "http" }] }] }));
    expect(targetsOf(m, "b/client", 8080)).toEqual(["a/web"]);
  });

  it("a named port that no pod defines matches nothing, yet the pod stays isolated", () => {
    const m = ingressOn([{ port: "nothing-here" }]);
    expect(m.policies[0]!.ingress).toEqual([]);
    expect(sourcesOf(m, "a/web", 8080)).toEqual([]);
  });

  it("ports and peers together: each peer on each listed port", () => {
    const m = withPolicies(web({ ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "blue" } } }], ports: [{ port: 80 }, { port: 53, protocol: "UDP" }] }] }));
    expect(sourcesOf(m, "a/web", 80)).toEqual(["b/client", "b/other"]);
    expect(sourcesOf(m, "a/web", 53, "UDP")).toEqual(["b/client", "b/other"]);
    expect(sourcesOf(m, "a/web", 53, "TCP")).toEqual([]);
  });
});

describe("what NetworkPolicy v1 does not allow is an error naming file, resource, path and value", () => {
  const bad = (spec: Record<string, unknown>) => issuesOf(sources([...cluster, netpol("a/bad", spec)]));
  const at = (rest: string) => `in.yaml#7: NetworkPolicy/a/bad: ${rest}`;

  it.each<[string, Record<string, unknown>, string[]]>([
    ["a misspelled field", { podSelecter: {} }, [at('spec.podSelecter: unknown field "podSelecter" (did you mean "podSelector"?)')]],
    ["a field of moat's language", { podSelector: {}, ingress: [{ from: [{ selector: "all()" }] }] }, [at('spec.ingress[0].from[0].selector: unknown field "selector"')]],
    ["an unknown policy type", { policyTypes: ["Inbound"] }, [at('spec.policyTypes[0]: "Inbound" is not valid; expected "Ingress", "Egress"')]],
    ["an unknown operator", { podSelector: { matchExpressions: [{ key: "app", operator: "Equals", values: ["x"] }] } }, [at('spec.podSelector.matchExpressions[0].operator: "Equals" is not valid; expected "In", "NotIn", "Exists", "DoesNotExist"')]],
    ["In without values", { podSelector: { matchExpressions: [{ key: "app", operator: "In" }] } }, [at("spec.podSelector.matchExpressions[0].values: operator In needs at least one value")]],
    ["Exists with values", { podSelector: { matchExpressions: [{ key: "app", operator: "Exists", values: ["x"] }] } }, [at('spec.podSelector.matchExpressions[0].values: operator Exists takes no values, got ["x"]')]],
    ["a bad label value", { podSelector: { matchLabels: { app: "a\"b" } } }, [at('spec.podSelector.matchLabels.app: label value "a\\"b" is invalid: it must be at most 63 characters of [A-Za-z0-9-_.], starting and ending with a letter or digit')]],
    ["a label key of moat's own", { podSelector: { matchLabels: { "moat.dev/name": "web" } } }, [at('spec.podSelector.matchLabels.moat.dev/name: label key "moat.dev/name" is reserved: moat sets the moat.dev/* labels itself')]],
    ["an empty peer", { ingress: [{ from: [{}] }] }, [at("spec.ingress[0].from[0]: must specify a peer: podSelector, namespaceSelector or ipBlock")]],
    ["ipBlock with a selector", { ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/8" }, podSelector: {} }] }] }, [at("spec.ingress[0].from[0]: may not specify both ipBlock and another peer")]],
    ["a CIDR that is not one", { egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0" } }] }] }, [at('spec.egress[0].to[0].ipBlock.cidr: "10.0.0.0" is not a CIDR: expected an IPv4 or IPv6 address, "/" and a prefix length')]],
    ["except outside cidr", { egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/16", except: ["10.1.0.0/24", "10.0.0.0/16"] } }] }] }, [at('spec.egress[0].to[0].ipBlock.except[0]: "10.1.0.0/24" must be a strict subset of cidr "10.0.0.0/16"'), at('spec.egress[0].to[0].ipBlock.except[1]: "10.0.0.0/16" must be a strict subset of cidr "10.0.0.0/16"')]],
    ["an unknown protocol", { ingress: [{ ports: [{ protocol: "ICMP" }] }] }, [at('spec.ingress[0].ports[0].protocol: "ICMP" is not valid; expected "TCP", "UDP", "SCTP"')]],
    ["port 0", { ingress: [{ ports: [{ port: 0 }] }] }, [at("spec.ingress[0].ports[0].port: 0 is not a port number: it must be 1..65535")]],
    ["a quoted number is a port name, and not a valid one", { ingress: [{ ports: [{ port: "80" }] }] }, [at(`spec.ingress[0].ports[0].port: "80" is not a valid port name: 1-15 lowercase letters, digits and '-', with at least one letter, no '--', not starting or ending with '-'`)]],
    ["endPort below port", { ingress: [{ ports: [{ port: 90, endPort: 80 }] }] }, [at("spec.ingress[0].ports[0].endPort: 80 must be greater than or equal to port 90")]],
    ["endPort with a named port", { ingress: [{ ports: [{ port: "http", endPort: 80 }] }] }, [at('spec.ingress[0].ports[0].endPort: endPort 80 may not be given with the named port "http"')]],
    ["endPort without port", { ingress: [{ ports: [{ endPort: 80 }] }] }, [at("spec.ingress[0].ports[0].endPort: endPort 80 may not be given without port")]],
  ])("%s", (_, spec, expected) => {
    expect(bad(spec)).toEqual(expected);
  });

  it("an invalid name, and an unknown top-level field", () => {
    const doc = { ...netpol("a/Bad_Name", {}), extra: true };
    expect(issuesOf(sources([doc]))).toEqual(['in.yaml#1: NetworkPolicy/a/Bad_Name: extra: unknown field "extra"']);
    expect(issuesOf(sources([netpol("a/Bad_Name", {})]))).toEqual([
      `in.yaml#1: NetworkPolicy/a/Bad_Name: metadata.name: "Bad_Name" is not a valid name: it must be at most 253 characters of lowercase letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit`,
    ]);
  });

  it("accepts the status that 1.24 to 1.27 servers print, and ObjectMeta's fields", () => {
    const doc: Record<string, any> = { ...netpol("a/ok", {}), status: {} };
    Object.assign(doc.metadata, { uid: "u", resourceVersion: "1", generation: 1, creationTimestamp: null, managedFields: [], annotations: { a: "b" } });
    expect(issuesOf(sources([doc]))).toEqual([]);
  });
});
