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
