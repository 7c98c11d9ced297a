// ICMP per family, and multiport's limit of 15 ports per match (a range takes two).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compile, type Plan } from "../../src/compile/index.js";
import { renderChainRules, renderInstall, renderIpsetRestore, renderSets } from "../../src/render/index.js";
import { FakeKernel } from "../support/fake-kernel.js";
import { model, network, policy, workload } from "../model/manifests.js";

const docs = (rules: unknown[]) => [
  network("n", ["10.0.0.0/24", "fd00::/64"], "workload"),
  workload("w", { network: "n", ips: ["10.0.0.2", "fd00::2"], interface: "veth0", labels: { app: "w" }, ports: [{ name: "web", port: 8080 }] }),
  policy("p", { selector: 'app == "w"', ingress: rules }),
];
const planOf = (rules: unknown[]) => compile(model(...docs(rules)), "node-1");
const policyLines = (plan: Plan, family: 4 | 6) => renderChainRules(plan, family, "a").filter((l) => l.includes('--comment "p ingress rule'));

async function loads(plan: Plan): Promise<void> {
  const k = new FakeKernel();
  expect((await k.run("ipset", ["restore"], { input: renderIpsetRestore(renderSets(plan)) })).stderr).toBe("");
  for (const family of [4, 6] as const) {
    const r = await k.run(`${family === 4 ? "iptables" : "ip6tables"}-nft-restore`, ["--noflush"], { input: renderInstall(plan, family, "a", "h") });
    expect(r.stderr).toBe("");
  }
}

describe("ICMP", () => {
  const plan = planOf([{ action: "Allow", protocol: "ICMP" }, { action: "Deny", protocol: "ICMP", from: { cidrs: ["10.0.0.0/8", "fd00::/8"] } }]);

  it("is -p icmp for IPv4 and -p ipv6-icmp for IPv6", () => {
    const v4 = policyLines(plan, 4);
    const v6 = policyLines(plan, 6);
    expect(v4).toHaveLength(2);
    for (const l of v4) expect(l).toMatch(/ -p icmp /);
    expect(v6).toEqual(v4.map((l) => l.replace(" -p icmp ", " -p ipv6-icmp ").replace(/(moat-c\w+)-4/, "$1-6")));
  });

  it("is rejected with each family's own ICMP type", () => {
    const deny = (f: 4 | 6) => renderChainRules(plan, f, "a").filter((l) => l.startsWith("-A moat-a-deny ")).map((l) => /--reject-with (\S+)/.exec(l)![1]);
    expect(deny(4)).toEqual(["tcp-reset", "icmp-admin-prohibited"]);
    expect(deny(6)).toEqual(["tcp-reset", "icmp6-adm-prohibited"]);
  });

  it("loads into both families' tables", () => loads(plan));
});

describe("multiport chunks", () => {
  const range = (n: number, from = 1000) => Array.from({ length: n }, (_, i) => from + i);
  const dports = (ports: (number | string)[], protocol = "TCP") =>
    policyLines(planOf([{ action: "Allow", protocol, ports }]), 4).map((l) => /--dports (\S+)/.exec(l)?.[1] ?? "(named)");
  const slots = (list: string) => list.split(",").reduce((n, p) => n + (p.includes(":") ? 2 : 1), 0);

  it.each([
    ["15 ports", range(15), [range(15).join(",")]],
    ["16 ports", range(16), [range(15).join(","), "1015"]],
    ["7 ranges and a port", [...range(7).map((p) => `${p * 10}:${p * 10 + 5}`), 80], [[...range(7).map((p) => `${p * 10}:${p * 10 + 5}`), 80].join(",")]],
    ["8 ranges", range(8).map((p) => `${p * 10}:${p * 10 + 5}`), [range(7).map((p) => `${p * 10}:${p * 10 + 5}`).join(","), "10070:10075"]],
    ["14 ports and a range", [...range(14), "2000:2010"], [range(14).join(","), "2000:2010"]],
    ["ports and a named port", [80, "web", 443], ["80,443", "(named)"]],
  ])("%s", (_, ports, expected) => {
    expect(dports(ports)).toEqual(expected);
  });

  it("fills each match as far as 15 slots allow, keeping every port once and in order", () => {
    const port = fc.oneof(fc.integer({ min: 1, max: 65535 }).map((p) => ({ text: `${p}`, key: p })), fc.tuple(fc.integer({ min: 1, max: 65000 }), fc.integer({ min: 1, max: 500 })).map(([a, d]) => ({ text: `${a}:${a + d}`, key: a + 0.5 })));
    fc.assert(
      fc.property(fc.uniqueArray(port, { minLength: 1, maxLength: 60, selector: (p) => p.key }), (ports) => {
        const chunks = dports(ports.map((p) => (p.text.includes(":") ? p.text : Number(p.text))), "UDP");
        expect(chunks.join(",")).toBe(ports.map((p) => p.text).join(","));
        chunks.forEach((c, i) => {
          expect(slots(c)).toBeLessThanOrEqual(15);
          if (i + 1 < chunks.length) expect(slots(c) + slots(chunks[i + 1]!.split(",")[0]!)).toBeGreaterThan(15);
        });
      }),
      { numRuns: 100 },
    );
  });

  it("loads into the kernel, which refuses more than 15", () => loads(planOf([{ action: "Allow", protocol: "SCTP", ports: [...range(20), "3000:3005", "4000:4001"] }])));
});
