// moat-cni driven as runtimes drive it, against a real server and agent on a namespace host: connectivity
// and isolation as the policies say the moment ADD returns, and libcni's conformance expectations
// (ADD twice, DEL twice, DEL after a failed ADD, CHECK after ADD), GC, STATUS, fixed addresses, host-local.
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostVethName } from "../../src/cni/index.js";
import { addNetns, api, cni, connects, inNs, listen, newPrefix, removeNetns, startHost, type Host } from "./fixture.js";

const PREFIX = newPrefix("p");
const NODE_NS = `${PREFIX}n1`;
let host: Host;
let containers = 0;

const MANIFESTS = `apiVersion: moat.dev/v1
kind: Network
metadata: {name: it}
spec: {subnets: [10.61.0.0/24], isolation: network}
---
apiVersion: moat.dev/v1
kind: Network
metadata: {name: hr}
spec: {subnets: [10.62.0.0/24], isolation: network}
---
apiVersion: moat.dev/v1
kind: Network
metadata: {name: rkt}
spec: {subnets: [192.168.0.0/24], isolation: none}
---
apiVersion: moat.dev/v1
kind: Network
metadata: {name: local}
spec: {subnets: [10.63.0.0/24], isolation: none}
---
apiVersion: moat.dev/v1
kind: Network
metadata: {name: lan}
spec: {subnets: [10.67.0.0/24], isolation: workload, bridge: mcnibr0}
---
apiVersion: moat.dev/v1
kind: Policy
metadata: {name: lan-web}
spec:
  selector: app == "web"
  ingress: [{action: Allow, protocol: TCP, ports: [80], from: {selector: app == "client"}}]
`;

/** A container namespace, as a runtime makes one before ADD; its id is 64 hex digits as podman's. */
function container(): { ns: string; path: string; id: string } {
  const ns = `${PREFIX}c${++containers}`;
  addNetns(ns);
  return { ns, path: `/run/netns/${ns}`, id: `${containers}`.padStart(8, "0").padEnd(64, "a") };
}

const add = (c: { path: string; id: string }, network: string, extra: Record<string, unknown> = {}, args = "IgnoreUnknown=1") => cni(NODE_NS, { command: "ADD", containerId: c.id, netns: c.path, ifname: "eth0", args }, host.config(network, extra));
const del = (c: { path: string; id: string }, network: string, extra: Record<string, unknown> = {}) => cni(NODE_NS, { command: "DEL", containerId: c.id, netns: c.path, ifname: "eth0", args: "IgnoreUnknown=1" }, host.config(network, extra));
const hostLinks = () => inNs(NODE_NS, "ip", ["-o", "link", "show"]).stdout;
const workloads = () => api(NODE_NS, host.server.url, "GET", "/v1/workloads").body.items as { metadata: { name: string }; spec: { ips: string[]; interface: string } }[];
const blocks = () => api(NODE_NS, host.server.url, "GET", "/v1/ipam/blocks").body.items as { cidr: string; node: string; allocations: Record<string, { container: string }> }[];
const held = () => blocks().flatMap((b) => Object.keys(b.allocations));

beforeAll(async () => {
  removeNetns(PREFIX);
  host = await startHost(NODE_NS, "n1");
  const r = api(NODE_NS, host.server.url, "POST", "/v1/apply", MANIFESTS);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
}, 60_000);

afterAll(async () => {
  await host?.stop();
  removeNetns(PREFIX);
}, 30_000);

describe("moat-cni ADD (real server, real agent, real kernel)", () => {
  it("attaches a container that is reachable and denied as the networks say the moment ADD returns", async () => {
    const [a, b, other] = [container(), container(), container()];
    const server = listen(b.ns, 80);
    await server.up;
    try {
      for (const [c, net] of [[a, "it"], [other, "hr"]] as const) expect((await add(c, net)).code).toBe(0);
      const r = await add(b, "it");
      expect(r.code, r.out + r.err).toBe(0);
      const bIp = (r.json.ips[0].address as string).split("/")[0]!;
      // No wait of any kind: ADD returned, so the node already enforces b.
      const [fromSame, fromOther] = await Promise.all([connects(a.ns, bIp, 80), connects(other.ns, bIp, 80)]);
      expect({ fromSame, fromOther }).toEqual({ fromSame: true, fromOther: false });
      expect(r.json).toMatchObject({
        cniVersion: "1.0.0",
        interfaces: [{ name: hostVethName(b.id, "eth0"), mac: "ee:ee:ee:ee:ee:ee" }, { name: "eth0", mac: expect.stringMatching(/^02(:[0-9a-f]{2}){5}$/), sandbox: b.path }],
        ips: [{ address: expect.stringMatching(/^10\.61\.0\.\d+\/32$/), gateway: "169.254.1.1", interface: 1 }],
        routes: [{ dst: "0.0.0.0/0", gw: "169.254.1.1" }],
      });
      const w = workloads().find((x) => x.metadata.name === b.id)!;
      expect(w.spec).toMatchObject({ ips: [bIp], interface: hostVethName(b.id, "eth0"), node: "n1", network: "it" });
      expect(inNs(b.ns, "ip", ["-4", "addr", "show", "eth0"]).stdout).toContain(`${bIp}/32`);
    } finally {
      server.stop();
    }
  });

  it("names the workload after the pod (K8S_POD_NAMESPACE/K8S_POD_NAME), labels from args.labels, a 0.4.0 result for a 0.4.0 config", async () => {
    const c = container();
    const r = await add(c, "it", { cniVersion: "0.4.0", args: { labels: { app: "web" } } }, "IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web-1");
    expect(r.code, r.out).toBe(0);
    expect(r.json.cniVersion).toBe("0.4.0");
    expect(r.json.ips[0].version).toBe("4");
    const w = api(NODE_NS, host.server.url, "GET", "/v1/workloads/web-1?namespace=shop").body;
    expect([w.metadata.namespace, w.metadata.labels]).toEqual(["shop", { app: "web" }]);
  });

  it("ADD twice gives the same result and one workload; CHECK after ADD passes, and fails once the address is gone", async () => {
    const c = container();
    const first = await add(c, "it");
    const second = await add(c, "it");
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(second.json).toEqual(first.json);
    expect(workloads().filter((w) => w.metadata.name === c.id)).toHaveLength(1);
    const check = () => cni(NODE_NS, { command: "CHECK", containerId: c.id, netns: c.path, ifname: "eth0" }, { ...host.config("it"), prevResult: first.json });
    const ok = await check();
    expect(ok.code, ok.out).toBe(0);
    inNs(c.ns, "ip", ["addr", "flush", "dev", "eth0"]);
    const bad = await check();
    expect(bad.code).toBe(1);
    expect(bad.json.msg).toContain("does not hold");
  });

  it("DEL twice: both succeed; the workload, the veth and the address are gone", async () => {
    const c = container();
    const r = await add(c, "it");
    const address = (r.json.ips[0].address as string).split("/")[0]!;
    expect(held()).toContain(address);
    expect([(await del(c, "it")).code, (await del(c, "it")).code]).toEqual([0, 0]);
    expect(workloads().map((w) => w.metadata.name)).not.toContain(c.id);
    expect(hostLinks()).not.toContain(hostVethName(c.id, "eth0"));
    expect(held()).not.toContain(address);
  });

  it("DEL of a container whose namespace is already gone succeeds", async () => {
    const c = container();
    expect((await add(c, "it")).code).toBe(0);
    inNs(NODE_NS, "true", []);
    removeNetns(c.ns);
    const r = await del(c, "it");
    expect(r.code, r.out).toBe(0);
    expect(workloads().map((w) => w.metadata.name)).not.toContain(c.id);
  });

  it("an ADD the agent does not enforce in time fails with a CNI error and leaves nothing; DEL after it succeeds", async () => {
    const c = container();
    host.agent.child.kill("SIGSTOP");
    let r;
    try {
      r = await add(c, "it", { timeoutMs: 800 });
    } finally {
      host.agent.child.kill("SIGCONT");
    }
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ cniVersion: "1.0.0", code: 100, msg: expect.stringContaining("did not enforce") });
    expect(workloads().map((w) => w.metadata.name)).not.toContain(c.id);
    expect(hostLinks()).not.toContain(hostVethName(c.id, "eth0"));
    expect(inNs(c.ns, "ip", ["-o", "link", "show"]).stdout).not.toContain("eth0");
    expect(blocks().flatMap((b) => Object.values(b.allocations).map((a) => a.container))).not.toContain(c.id);
    expect((await del(c, "it")).code).toBe(0);
  });

  it("takes a fixed address through CNI_ARGS IP=, the network address of a /24 as rkt asks, and refuses it twice", async () => {
    const [c, d] = [container(), container()];
    const r = await add(c, "rkt", {}, "IgnoreUnknown=1;IP=192.168.0.0");
    expect(r.code, r.out).toBe(0);
    expect(r.json.ips[0].address).toBe("192.168.0.0/32");
    expect(inNs(c.ns, "ip", ["-4", "addr", "show", "eth0"]).stdout).toContain("192.168.0.0/32");
    const again = await add(d, "rkt", { runtimeConfig: { ips: ["192.168.0.0/24"] } });
    expect(again.code).toBe(1);
    expect(again.json.msg).toContain("192.168.0.0 is held by container");
    expect(hostLinks()).not.toContain(hostVethName(d.id, "eth0"));
  });

  it("delegates to host-local through the exec protocol when ipam.type is another plugin", async () => {
    const c = container();
    const dataDir = mkdtempSync(join(tmpdir(), "moat-cni-hostlocal-"));
    const ipam = { type: "host-local", dataDir, ranges: [[{ subnet: "10.63.0.0/24", rangeStart: "10.63.0.50", rangeEnd: "10.63.0.60" }]] };
    const r = await add(c, "local", { ipam });
    expect(r.code, r.out).toBe(0);
    expect(r.json.ips[0].address).toBe("10.63.0.50/32");
    expect(readdirSync(join(dataDir, "local"))).toContain("10.63.0.50");
    try {
      expect((await del(c, "local", { ipam })).code).toBe(0);
      expect(existsSync(join(dataDir, "local", "10.63.0.50"))).toBe(false);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("GC gives back the addresses and workloads of attachments the runtime no longer lists; STATUS says ready", async () => {
    const [keep, leak] = [container(), container()];
    const kept = await add(keep, "hr");
    const leaked = await add(leak, "hr");
    expect([kept.code, leaked.code]).toEqual([0, 0]);
    const gc = await cni(NODE_NS, { command: "GC" }, { ...host.config("hr"), cniVersion: "1.1.0", "cni.dev/valid-attachments": [{ containerID: keep.id, ifname: "eth0" }] });
    expect(gc.code, gc.out).toBe(0);
    const addresses = held();
    expect(addresses).toContain(kept.json.ips[0].address.split("/")[0]);
    expect(addresses).not.toContain(leaked.json.ips[0].address.split("/")[0]);
    expect(workloads().map((w) => w.metadata.name)).not.toContain(leak.id);
    // The leaked attachment's veth goes with it (its netns is still here, as after a runtime crash).
    expect(hostLinks()).toContain(hostVethName(keep.id, "eth0"));
    expect(hostLinks()).not.toContain(hostVethName(leak.id, "eth0"));
    const status = await cni(NODE_NS, { command: "STATUS" }, { ...host.config("hr"), cniVersion: "1.1.0" });
    expect([status.code, status.out]).toEqual([0, ""]);
  });

  it("adopts a Workload declared ahead on its node: its address, ports and labels kept, the runtime's labels winning", async () => {
    const declared = `apiVersion: moat.dev/v1
kind: Workload
metadata: {name: declared-web, labels: {app: web, tier: front}}
spec: {node: n1, network: it, ips: [10.61.0.200], interface: planned0, ports: [{name: http, port: 80}]}
`;
    expect(api(NODE_NS, host.server.url, "POST", "/v1/apply", declared).status).toBe(200);
    const c = container();
    const r = await add(c, "it", { args: { labels: { tier: "back" } } }, "IgnoreUnknown=1;K8S_POD_NAME=declared-web;IP=10.61.0.200");
    expect(r.code, r.out).toBe(0);
    expect(r.json.ips[0].address).toBe("10.61.0.200/32");
    const w = api(NODE_NS, host.server.url, "GET", "/v1/workloads/declared-web").body;
    expect(w.metadata.labels).toEqual({ app: "web", tier: "back" });
    expect(w.metadata.annotations["moat.dev/cni-container"]).toBe(c.id);
    expect(w.spec).toMatchObject({ ips: ["10.61.0.200"], interface: hostVethName(c.id, "eth0"), ports: [{ name: "http", port: 80 }] });
    // ADD again with other runtime labels: merged over the declared ones, not over the first ADD's
    // (the runtime's tier goes, the declared tier comes back, the declared app stays).
    const again = await add(c, "it", { args: { labels: { zone: "a" } } }, "IgnoreUnknown=1;K8S_POD_NAME=declared-web;IP=10.61.0.200");
    expect(again.code, again.out).toBe(0);
    expect(api(NODE_NS, host.server.url, "GET", "/v1/workloads/declared-web").body.metadata.labels).toEqual({ app: "web", tier: "front", zone: "a" });
    // Another container cannot take it over: the Workload is this attachment's now.
    const other = container();
    const taken = await add(other, "it", {}, "IgnoreUnknown=1;K8S_POD_NAME=declared-web;IP=10.61.0.200");
    expect(taken.code).toBe(1);
    // DEL, with the same CNI_ARGS as its ADD (as runtimes do), removes it.
    const gone = await cni(NODE_NS, { command: "DEL", containerId: c.id, netns: c.path, ifname: "eth0", args: "IgnoreUnknown=1;K8S_POD_NAME=declared-web;IP=10.61.0.200" }, host.config("it"));
    expect(gone.code, gone.out).toBe(0);
    expect(workloads().map((x) => x.metadata.name)).not.toContain("declared-web");
  });

  it("bridge mode: the host end is a port of the Network's bridge, the address has the subnet's prefix, and policy holds at once", async () => {
    const [web, client, other] = [container(), container(), container()];
    const labelled = (app: string) => ({ args: { labels: { app } } });
    const server = listen(web.ns, 80);
    await server.up;
    try {
      for (const [c, app] of [[client, "client"], [other, "other"]] as const) expect((await add(c, "lan", labelled(app))).code).toBe(0);
      const r = await add(web, "lan", labelled("web"));
      expect(r.code, r.out).toBe(0);
      const address = (r.json.ips[0].address as string).split("/")[0]!;
      const [fromClient, fromOther] = await Promise.all([connects(client.ns, address, 80), connects(other.ns, address, 80)]);
      expect({ fromClient, fromOther }).toEqual({ fromClient: true, fromOther: false });
      expect(r.json.ips[0].address).toMatch(/^10\.67\.0\.\d+\/24$/);
      expect(inNs(NODE_NS, "ip", ["-o", "link", "show", "master", "mcnibr0"]).stdout).toContain(hostVethName(web.id, "eth0"));
    } finally {
      server.stop();
    }
  });
});
