// The Plan's sets as a few tagged nft sets (src/render/nftables/members.ts): tags that stay put, overlaps
// an interval concatenation refuses taken out, and a plan with networks, an except and named ports in
// both families loaded into the real kernel, printed back as rendered, and walked as decide decides.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile, type PlanSet } from "../../src/compile/index.js";
import { nftables } from "../../src/render/index.js";
import { mergeSets, setTags } from "../../src/render/nftables/members.js";
import { parseNftTable, processRunner, runOk } from "../../src/dataplane/index.js";
import { labPrefix } from "../../src/lab/index.js";
import { parseIp, type Ip } from "../../src/model/index.js";
import { decide, type Flow } from "../../src/policy/index.js";
import { parseNftText, simulateFlow, walkNft } from "../../src/simulate/index.js";
import { modelFrom } from "../kernel/harness.js";

const set = (name: string, v4: string[], kind: PlanSet["kind"] = "address"): PlanSet => ({ name, kind, comment: name, v4: v4.map((cidr) => ({ cidr })), v6: [] });

describe("set tags", () => {
  it("keep a set's tag while other sets come and go, and never repeat one", () => {
    const names = Array.from({ length: 5000 }, (_, i) => `moat-s${i.toString(16).padStart(10, "0")}`);
    const all = setTags(names);
    expect(new Set(all.values()).size).toBe(names.length);
    const some = setTags(names.slice(0, 2500));
    for (const [n, tag] of some) expect(all.get(n), n).toBe(tag);
    for (const tag of all.values()) expect(tag).toMatch(/^0x[0-9a-f]{8}$/);
    expect([...all.values()]).not.toContain("0x00000000");
  });
});

describe("merged sets", () => {
  it("put hosts and networks apart, one element per member and tag, without prefixes inside another of the same set", () => {
    const m = mergeSets([set("a", ["10.0.0.1/32", "10.0.0.2/32"]), set("b", ["10.0.0.1/32"]), set("c", ["10.0.0.0/8", "10.1.0.0/16", "10.1.2.3/32", "192.168.0.0/24"])]);
    const tag = (s: string) => m.lookup(s, 4)!.tag;
    expect(m.sets.map((s) => s.name)).toEqual(["moat-hosts-4", "moat-nets-4"]);
    expect(m.sets[0]!.elements).toEqual([`10.0.0.1 . ${tag("a")}`, `10.0.0.1 . ${tag("b")}`, `10.0.0.2 . ${tag("a")}`].sort());
    expect(m.sets[1]!.elements).toEqual([`10.0.0.0/8 . ${tag("c")}`, `192.168.0.0/24 . ${tag("c")}`]);
    expect(m.lookup("c", 4)!.set).toBe("moat-nets-4");
    // No member of a family: no lookup (the rule is left out).
    expect(m.lookup("a", 6)).toBeUndefined();
  });
});

const MANIFEST = `
apiVersion: moat.dev/v1
kind: Network
metadata: {name: n}
spec: {subnets: [10.6.0.0/24, "fd06::/64"], isolation: workload}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: web, labels: {app: web}}
spec: {node: n1, network: n, ips: [10.6.0.2, "fd06::2"], ports: [{name: http, port: 8080}]}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: db, labels: {app: db}}
spec: {node: n1, network: n, ips: [10.6.0.3, "fd06::3"]}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: client, labels: {app: client}}
spec: {node: n1, network: n, ips: [10.6.0.4, "fd06::4"]}
---
apiVersion: moat.dev/v1
kind: Policy
metadata: {name: web}
spec:
  selector: app == "web"
  ingress:
    - {action: Allow, protocol: TCP, ports: [http], from: {selector: app == "client"}}
    - {action: Allow, protocol: TCP, ports: [22], from: {cidrs: [10.0.0.0/8, 10.6.0.0/24, "fd06::/64"], notCidrs: [10.6.0.4/32]}}
---
apiVersion: moat.dev/v1
kind: Policy
metadata: {name: db}
spec:
  selector: app == "db"
  egress:
    - {action: Allow, to: {cidrs: [10.6.0.0/25]}}
`;

describe("merged sets in the real kernel", () => {
  const ns = `${labPrefix()}nftm`;
  beforeAll(async () => {
    await runOk(processRunner(), "ip", ["netns", "add", ns]);
  });
  afterAll(async () => {
    await processRunner().run("ip", ["netns", "del", ns]);
  });

  it("load, print back as rendered (chains and every set's elements), and walk as decide decides", async () => {
    const model = modelFrom(MANIFEST);
    const plan = compile(model, "n1");
    const rendering = nftables.renderNft(plan);
    const names = rendering.sets.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(["moat-hosts-4", "moat-nets-4", "moat-nets-6", "moat-hostports-4", "moat-hostports-6"]));
    const r = processRunner(ns);
    await runOk(r, "nft", ["-f", "-"], { input: nftables.DELETE_TABLES + nftables.renderTableText(plan, rendering) });
    const full = (await runOk(r, "nft", ["list", "table", "inet", "moat-a"])).stdout;
    const back = parseNftTable(full);
    for (const [name, rules] of rendering.chains) expect(back.chains.get(name), name).toEqual(rules);
    for (const s of rendering.sets) expect(back.sets.get(s.name)?.elements, s.name).toEqual([...s.elements].sort());
    const prog = parseNftText(full);
    const ip = (t: string) => (parseIp(t) as { ok: true; value: Ip }).value;
    const addrs = ["10.6.0.2", "10.6.0.3", "10.6.0.4", "fd06::2", "fd06::3", "fd06::4"];
    let allowed = 0;
    let flows = 0;
    for (const src of addrs)
      for (const dst of addrs) {
        if (src === dst || src.includes(":") !== dst.includes(":")) continue;
        for (const port of [22, 8080, 9999]) {
          const flow: Flow = { src: ip(src), dst: ip(dst), protocol: "TCP", port };
          const got = simulateFlow(model, new Map([["n1", plan]]), flow, (_, p) => walkNft(prog, p)).allowed;
          expect(got, `${src} -> ${dst}:${port}`).toBe(decide(model, flow).allowed);
          allowed += got ? 1 : 0;
          flows++;
        }
      }
    // Both verdicts occur, so the walk is not trivially one way.
    expect(allowed).toBeGreaterThan(0);
    expect(allowed).toBeLessThan(flows);
  });
});
