// fast-check arbitraries for small random models and flows, shared by the property tests.
import fc from "fast-check";
import { buildModel, parseIp, type Model } from "../../src/model/index.js";
import type { Flow } from "../../src/policy/index.js";

const LABELS = { app: ["web", "db"], tier: ["a", "b"] };
const SELECTORS = ['app == "web"', 'app != "web"', "has(tier)", '!has(tier)', 'tier in {"a"}', "all()", 'app == "db" || tier == "b"', 'moat.dev/network == "n1"'];
const PORTS = [80, 443, 8080];

const labelsArb = fc.record({ app: fc.option(fc.constantFrom(...LABELS.app), { nil: undefined }), tier: fc.option(fc.constantFrom(...LABELS.tier), { nil: undefined }) }).map((l) =>
  Object.fromEntries(Object.entries(l).filter(([, v]) => v !== undefined)),
);

const peerArb = fc
  .record(
    {
      selector: fc.constantFrom(...SELECTORS),
      networks: fc.subarray(["n1", "n2"], { minLength: 1 }),
      cidrs: fc.subarray(["10.1.0.0/16", "10.2.0.0/24", "0.0.0.0/0", "10.2.0.2/32", "203.0.113.0/24", "fd00:1::/64"], { minLength: 1 }),
      notCidrs: fc.subarray(["10.1.0.3/32", "10.2.0.0/25"], { minLength: 1 }),
      sameLabels: fc.subarray(["app", "tier"], { minLength: 1 }),
    },
    { requiredKeys: [] },
  );

const ruleArb = (dir: "from" | "to") =>
  fc
    .record(
      {
        action: fc.constantFrom("Allow", "Deny", "Pass", "Log", "Allow"),
        l4: fc.option(fc.record({ protocol: fc.constantFrom("TCP", "UDP"), ports: fc.option(fc.subarray([80, "443", "8000:8100", "http"], { minLength: 1 }), { nil: undefined }) }), { nil: undefined }),
        icmp: fc.boolean(),
        peer: fc.option(peerArb, { nil: undefined }),
      },
    )
    .map(({ action, l4, icmp, peer }) => ({
      action,
      ...(l4 ? { protocol: l4.protocol, ...(l4.ports ? { ports: l4.ports } : {}) } : icmp ? { protocol: "ICMP" } : {}),
      ...(peer ? { [dir]: peer } : {}),
    }));

const policyArb = fc.record({
  order: fc.integer({ min: 1, max: 3 }),
  selector: fc.constantFrom(...SELECTORS),
  types: fc.constantFrom<string[]>(["Ingress"], ["Egress"], ["Ingress", "Egress"]),
  ingress: fc.array(ruleArb("from"), { maxLength: 3 }),
  egress: fc.array(ruleArb("to"), { maxLength: 3 }),
});

export interface Scenario {
  docs: unknown[];
  model: Model;
}

export const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    isolation: fc.tuple(fc.constantFrom("none", "network", "workload"), fc.constantFrom("none", "network", "workload")),
    bridged: fc.boolean(),
    workloads: fc.array(fc.record({ labels: labelsArb, network: fc.constantFrom("n1", "n2"), node: fc.constantFrom("node-a", "node-b"), v6: fc.boolean(), http: fc.constantFrom(80, 8080) }), { minLength: 2, maxLength: 6 }),
    policies: fc.array(policyArb, { maxLength: 4 }),
    denyDrop: fc.boolean(),
  })
  .map(({ isolation, bridged, workloads, policies, denyDrop }) => {
    const docs: unknown[] = [
      { apiVersion: "moat.dev/v1", kind: "Network", metadata: { name: "n1" }, spec: { subnets: ["10.1.0.0/16", "fd00:1::/64"], isolation: isolation[0], ...(bridged ? { bridge: "br-n1" } : {}) } },
      { apiVersion: "moat.dev/v1", kind: "Network", metadata: { name: "n2" }, spec: { subnets: ["10.2.0.0/16", "fd00:2::/64"], isolation: isolation[1] } },
    ];
    workloads.forEach((w, i) => {
      const net = w.network === "n1" ? 1 : 2;
      docs.push({
        apiVersion: "moat.dev/v1",
        kind: "Workload",
        metadata: { name: `w${i}`, labels: w.labels },
        spec: {
          node: w.node,
          network: w.network,
          ips: [`10.${net}.0.${i + 2}`, ...(w.v6 ? [`fd00:${net}::${i + 2}`] : [])],
          interface: `veth${i}`,
          ports: [{ name: "http", port: w.http }, { name: "http", port: w.http, protocol: "UDP" }],
        },
      });
    });
    policies.forEach((p, i) => {
      const spec: Record<string, unknown> = { order: p.order, selector: p.selector, types: p.types };
      if (p.types.includes("Ingress")) spec.ingress = p.ingress;
      if (p.types.includes("Egress")) spec.egress = p.egress;
      docs.push({ apiVersion: "moat.dev/v1", kind: "Policy", metadata: { name: `p${i}` }, spec });
    });
    if (denyDrop) docs.push({ apiVersion: "moat.dev/v1", kind: "Settings", metadata: { name: "default" }, spec: { denyAction: "Drop" } });
    const built = buildModel(docs.map((doc, index) => ({ file: "generated", index, doc })));
    if (!built.ok) throw new Error(`generator made an invalid model: ${JSON.stringify(built.issues)}`);
    return { docs, model: built.value };
  });

const EXTERNAL = ["203.0.113.9", "10.2.0.200", "fd00:1::99"];

/** A flow between two endpoints of the scenario (workload addresses, or addresses outside every workload). */
export const flowArb = (s: Scenario): fc.Arbitrary<Flow> => {
  const addrs = [...s.model.workloads.flatMap((w) => w.ips.map((ip) => ip.text)), ...EXTERNAL];
  return fc
    .record({ src: fc.constantFrom(...addrs), dst: fc.constantFrom(...addrs), protocol: fc.constantFrom("TCP", "UDP", "ICMP"), port: fc.constantFrom(...PORTS, 8050) })
    .filter(({ src, dst }) => src.includes(":") === dst.includes(":"))
    .filter(({ src, dst }) => s.model.workloads.some((w) => w.ips.some((ip) => ip.text === src || ip.text === dst)))
    .map(({ src, dst, protocol, port }) => {
      const flow: Flow = { src: ip(src), dst: ip(dst), protocol: protocol as Flow["protocol"] };
      if (protocol !== "ICMP") flow.port = port;
      return flow;
    });
};

function ip(text: string) {
  const p = parseIp(text);
  if (!p.ok) throw new Error(text);
  return p.value;
}
