// How `moat lab up` attaches each workload (pure): the moat-cni ADD a runtime would run, in the node's
// namespace, for the declared address; or the lab's own commands, with the reason, where the plugin
// cannot (it attaches one IPv4 address).
import { describe, expect, it } from "vitest";
import { attachRoute } from "../../src/lab/attach.js";
import { labManifests } from "../../src/lab/lab-manifests.js";
import { planLab } from "../../src/lab/plan.js";
import { parseSources } from "../../src/service/index.js";

const TEXT = `apiVersion: moat.dev/v1
kind: Network
metadata: {name: routed}
spec: {subnets: [10.9.0.0/16, "fd09::/64"]}
---
apiVersion: moat.dev/v1
kind: Network
metadata: {name: bridged}
spec: {subnets: [10.10.0.0/24], bridge: br-x}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: a, namespace: team}
spec: {network: routed, node: node-1, ips: [10.9.0.1]}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: b}
spec: {network: bridged, node: node-2, ips: [10.10.0.0]}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: c}
spec: {network: routed, node: node-1, ips: [10.9.0.3, "fd09::3"]}
`;
const SERVER = { url: "http://127.0.0.1:7070", tokenFile: "/run/moat/lab/x/server/admin.token" };

function setup() {
  const { model } = labManifests(parseSources([{ name: "t.yaml", text: TEXT }]), 2);
  const planned = planLab(model, "ml-x-");
  if (!planned.ok) throw new Error(JSON.stringify(planned.issues));
  const route = (id: string) => attachRoute(planned.value, model, planned.value.workloads.find((w) => w.id === id)!, SERVER);
  return { plan: planned.value, route };
}

describe("attachRoute", () => {
  it("a routed IPv4 workload: ADD in its node's namespace, for its declared address, named as a pod", () => {
    const { plan, route } = setup();
    const w = plan.workloads.find((x) => x.id === "team/a")!;
    const r = route("team/a");
    if (r.via !== "cni") throw new Error(`expected cni, got ${r.why}`);
    expect(r.invocation.env).toMatchObject({ CNI_COMMAND: "ADD", CNI_CONTAINERID: w.netns, CNI_NETNS: `/run/netns/${w.netns}`, CNI_IFNAME: "eth0", CNI_ARGS: "IP=10.9.0.1;K8S_POD_NAME=a;K8S_POD_NAMESPACE=team" });
    const node = plan.nodes.find((n) => n.name === "node-1")!;
    expect(r.invocation.config).toMatchObject({ cniVersion: "1.0.0", type: "moat-cni", network: "routed", server: SERVER.url, tokenFile: SERVER.tokenFile, node: "node-1", hostNetns: node.netns, ipam: { type: "moat" } });
    expect(r.invocation.config).not.toHaveProperty("gateway");
  });

  it("a bridged workload routes through its bridge's gateway; a network address of the subnet is a valid fixed address (rkt's)", () => {
    const { plan, route } = setup();
    const r = route("b");
    if (r.via !== "cni") throw new Error(`expected cni, got ${r.why}`);
    expect(r.invocation.env.CNI_ARGS).toBe("IP=10.10.0.0;K8S_POD_NAME=b");
    const gateway = plan.workloads.find((x) => x.id === "b")!.gateways[4];
    expect(gateway).toMatch(/^10\.10\.0\./);
    expect(r.invocation.config).toMatchObject({ gateway, hostNetns: plan.nodes.find((n) => n.name === "node-2")!.netns });
  });

  it("a dual-stack workload stays with the lab's own commands, and says why", () => {
    expect(setup().route("c")).toEqual({ via: "lab", why: "moat-cni attaches one IPv4 address" });
  });
});
