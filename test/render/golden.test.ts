// The whole rendered output of every example, as files: a change in the rules is a reviewed diff.
// The same text must load into the fake kernel and read back unchanged.
import { describe, expect, it } from "vitest";
import { rulesHash } from "../../src/dataplane/index.js";
import { renderChainRules, renderInstall, renderIpsetRestore, renderSets } from "../../src/render/index.js";
import { FakeKernel } from "../support/fake-kernel.js";
import { examples } from "./examples.js";

describe.each(examples())("example $name (node $node)", ({ name, node, plan }) => {
  const hash = rulesHash(plan);
  const sets = renderIpsetRestore(renderSets(plan));
  const v4 = renderInstall(plan, 4, "a", hash);
  const v6 = renderInstall(plan, 6, "a", hash);

  it("renders as its golden file", async () => {
    const text = [`# moat plan ${hash} for node ${node}`, "# ipset restore", sets, "# iptables-restore --noflush", v4, "# ip6tables-restore --noflush", v6].join("\n");
    await expect(text).toMatchFileSnapshot(`__golden__/${name}.txt`);
  });

  it("loads into the kernel and reads back line for line", async () => {
    const k = new FakeKernel();
    for (const [cmd, input] of [["ipset", sets], ["iptables-legacy-restore", v4], ["ip6tables-legacy-restore", v6]] as const) {
      const r = await k.run(cmd, cmd === "ipset" ? ["restore"] : ["--noflush"], { input });
      expect(r.stderr).toBe("");
    }
    for (const family of [4, 6] as const) {
      const back = k.saveText("legacy", family).split("\n");
      const rendered = renderChainRules(plan, family, "a");
      for (const c of plan.chains) {
        const of = (l: string) => l.startsWith(`-A moat-a-${c.name} `);
        expect(back.filter(of)).toEqual(rendered.filter(of));
      }
      expect(back.filter((l) => l.startsWith("-A moat-"))).toHaveLength(rendered.length);
    }
  });
});
