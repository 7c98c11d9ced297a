// Every example's nft text, as files, checked by the real nft (`nft -c -f`, in a namespace of the
// test's own) and loaded into the fake kernel.
import { describe, expect, it, afterAll, beforeAll } from "vitest";
import { nftables } from "../../src/render/index.js";
import { processRunner, runOk } from "../../src/dataplane/index.js";
import { labPrefix } from "../../src/lab/index.js";
import { FakeKernel } from "../support/fake-kernel.js";
import { examples } from "./examples.js";
import { parseNftTable } from "../../src/dataplane/index.js";
import { planA, planB } from "../dataplane/fixtures.js";
import { compile } from "../../src/compile/index.js";
import { parseIp, type Ip } from "../../src/model/index.js";
import { decide, type Flow } from "../../src/policy/index.js";
import { parseNftText, simulateFlow, walkNft } from "../../src/simulate/index.js";
import { modelFrom } from "../kernel/harness.js";

const ns = `${labPrefix()}nftc`;
beforeAll(async () => {
  await runOk(processRunner(), "ip", ["netns", "add", ns]);
});
afterAll(async () => {
  await processRunner().run("ip", ["netns", "del", ns]);
});

describe.each(examples())("example $name (node $node), nftables", ({ name, plan }) => {
  const text = nftables.DELETE_TABLES + nftables.renderTableText(plan);

  it("renders as its golden file", async () => {
    await expect(nftables.renderTableText(plan)).toMatchFileSnapshot(`__golden__/${name}.nft`);
  });

  it("is accepted by the real nft (nft -c -f)", async () => {
    const r = await processRunner(ns).run("nft", ["-c", "-f", "-"], { input: text });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("loads into the fake kernel as one transaction and reads back chain for chain", async () => {
    const k = new FakeKernel();
    const r = await k.run("nft", ["-f", "-"], { input: text });
    expect(r.stderr).toBe("");
    const rendering = nftables.renderNft(plan);
    const t = k.nft.tables.get("inet moat-a")!;
    for (const [chain, rules] of rendering.chains) expect(t.chains.get(chain)).toEqual(rules);
    for (const s of rendering.sets) expect([...k.nft.tables.get(`${s.table ?? "inet"} moat-a`)!.sets.get(s.name)!.elements].sort()).toEqual(s.elements);
    if (plan.bridged) expect(k.nft.tables.get("bridge moat-a")!.chains.get("prerouting")).toEqual(rendering.bridge);
  });
});

describe.each([...examples(), { name: "fixture planA", node: "node-1", plan: planA }, { name: "fixture planB", node: "node-1", plan: planB }])("$name read back from the real kernel", ({ plan }) => {
  it("prints every chain exactly as rendered (so status needs no read-back at apply time)", async () => {
    const r = processRunner(ns);
    const rendering = nftables.renderNft(plan);
    await runOk(r, "nft", ["-f", "-"], { input: nftables.DELETE_TABLES + nftables.renderTableText(plan, rendering) });
    const back = parseNftTable((await runOk(r, "nft", ["-t", "list", "table", "inet", "moat-a"])).stdout);
    for (const [name, rules] of rendering.chains) expect(back.chains.get(name), name).toEqual(rules);
    expect(back.chains.get(nftables.NFT_BASE_CHAIN)).toEqual(nftables.baseChain(plan, rendering.rulesHash));
    if (rendering.bridge) expect(parseNftTable((await runOk(r, "nft", ["-t", "list", "table", "bridge", "moat-a"])).stdout).chains.get("prerouting")).toEqual(rendering.bridge);
  });
});

describe("nft escaping", () => {
  it("keeps quotes, backslashes, semicolons and newlines out of nft strings", () => {
    for (const hostile of ['a"b', "a\\b", "a;b", "a\nb", "a\u001b[2Jb", "$x", "#c"]) {
      const s = nftables.nftString(hostile, 100);
      expect(s.slice(1, -1)).not.toMatch(/["\\;\n\u001b$#]/);
    }
  });
});

describe("port lists with a range", () => {
  const policy = (name: string, ports: string) =>
    `---\napiVersion: moat.dev/v1\nkind: Policy\nmetadata: {name: ${name}}\nspec:\n  order: 1\n  selector: app == "${name}"\n  ingress: [{action: Allow, protocol: TCP, ports: ${ports}, from: {selector: app == "c"}}]\n`;
  const text =
    `apiVersion: moat.dev/v1\nkind: Network\nmetadata: {name: n}\nspec: {subnets: [10.5.0.0/24], isolation: workload}\n` +
    ["a", "b", "c", "d"].map((w, i) => `---\napiVersion: moat.dev/v1\nkind: Workload\nmetadata: {name: ${w}, labels: {app: ${w}}}\nspec: {node: n1, network: n, ips: [10.5.0.${i + 2}]}\n`).join("") +
    policy("a", `[80, "8000:8100"]`) + policy("b", `[80, "8000:8100"]`) + policy("d", "[80, 443]");
  const plan = compile(modelFrom(text), "n1");
  const rendering = nftables.renderNft(plan);

  it("share one named interval set per distinct list; lists without a range stay inline", () => {
    const portSets = rendering.sets.filter((s) => s.decl.includes("type inet_service"));
    expect(portSets.map((s) => s.elements)).toEqual([["80", "8000-8100"]]);
    const rules = [...rendering.chains.values()].flat();
    expect(rules.filter((r) => r.includes(`tcp dport @${portSets[0]!.name}`))).toHaveLength(2);
    expect(rules.filter((r) => r.includes("tcp dport { 80, 443 }"))).toHaveLength(1);
    // No anonymous interval set left: nft would fetch its elements before every transaction.
    expect(rules.filter((r) => /\{[^}]*\d-\d/.test(r))).toEqual([]);
  });

  it("load into the real kernel, print back as rendered, and a packet to 8050 walks to the allow", async () => {
    const r = processRunner(ns);
    await runOk(r, "nft", ["-f", "-"], { input: nftables.DELETE_TABLES + nftables.renderTableText(plan, rendering) });
    const listed = (await runOk(r, "nft", ["-t", "list", "table", "inet", "moat-a"])).stdout;
    const back = parseNftTable(listed);
    for (const [name, rules] of rendering.chains) expect(back.chains.get(name), name).toEqual(rules);
    const full = (await runOk(r, "nft", ["list", "table", "inet", "moat-a"])).stdout;
    const ip = (t: string) => (parseIp(t) as { ok: true; value: Ip }).value;
    const model = modelFrom(text);
    const prog = parseNftText(full);
    const seen = new Map<number, boolean>();
    for (const port of [80, 8050, 8101, 443]) {
      const flow: Flow = { src: ip("10.5.0.4"), dst: ip("10.5.0.2"), protocol: "TCP", port };
      const got = simulateFlow(model, new Map([["n1", plan]]), flow, (_, p) => walkNft(prog, p)).allowed;
      expect(got, `port ${port}`).toBe(decide(model, flow).allowed);
      seen.set(port, got);
    }
    expect([...seen]).toEqual([[80, true], [8050, true], [8101, false], [443, false]]);
  });
});
