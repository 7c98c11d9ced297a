// User text reaches rule text only through escapeText: whatever a name, selector or prefix holds, a rule
// line never carries a quote, backslash or newline of its own, and reads back from the kernel unchanged.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compile, type PlanRule } from "../../src/compile/index.js";
import { escapeText, renderInstall, renderIpsetRestore, renderRule, renderSets } from "../../src/render/index.js";
import { model, namespace, network, policy, workload } from "../model/manifests.js";
import { FakeKernel, saveString, tokenize } from "../support/fake-kernel.js";

/** Every character class a name, a label or a selector string can hold, and then some. */
const odd = fc.string({ unit: fc.constantFrom(..."aZ09-_./:=,!&|(){}<>@+ \"'\\`$;#*?~^%[]\n\r\t\u0000\u001b\u00e9\u4e2d\u{1f600}\u202e") , maxLength: 300 });

/** The line as iptables-save would print it after iptables-restore read it. */
const throughKernel = (line: string) => {
  const words = tokenize(line);
  return words.map((w, i) => (i > 0 && (words[i - 1] === "--comment" || words[i - 1] === "--log-prefix" || words[i - 1] === "--nflog-prefix") ? saveString(w) : w)).join(" ");
};

/** Every double-quoted span in the line, and what is left outside them. */
const spans = (line: string) => ({ inside: [...line.matchAll(/"([^"]*)"/g)].map((m) => m[1]!), outside: line.replace(/"[^"]*"/g, "") });

function checkLine(line: string): void {
  expect(line).not.toMatch(/[\\'\n\r\t\u0000-\u001f\u007f]/);
  const { inside, outside } = spans(line);
  expect(outside).not.toContain('"');
  for (const s of inside) expect(s).toMatch(/^[A-Za-z0-9 ._:/=,!&|(){}<>@+-]*$/);
  expect(throughKernel(line)).toBe(line);
}

describe("escapeText", () => {
  it("keeps only allow-listed characters, collapses blanks and stays within its bound", () => {
    fc.assert(
      fc.property(odd, fc.integer({ min: 1, max: 256 }), (text, max) => {
        const out = escapeText(text, max);
        expect(out).toMatch(/^[A-Za-z0-9 ._:/=,!&|(){}<>@+-]*$/);
        expect(out).not.toMatch(/^ | {2}/);
        expect(out.length).toBeLessThanOrEqual(max);
      }),
      { numRuns: 500 },
    );
  });
});

describe("renderRule with arbitrary comments and log prefixes", () => {
  it("never lets a quote, backslash or newline into the line, and reads back unchanged", () => {
    fc.assert(
      fc.property(odd, odd, (comment, prefix) => {
        const rules: PlanRule[] = [
          { match: {}, verdict: { kind: "accept" }, comment },
          { match: { protocol: "tcp" }, verdict: { kind: "log", prefix, group: 100, rate: "10/second", burst: 20 }, comment },
        ];
        for (const r of rules) for (const family of [4, 6] as const) checkLine(renderRule("x", r, family, "a"));
      }),
      { numRuns: 500 },
    );
  });

  it("quotes a one-word comment exactly when iptables-save would", () => {
    const comment = (c: string) => renderRule("x", { match: {}, verdict: { kind: "accept" }, comment: c }, 4, "a").split(" --comment ")[1]!.split(" -j ")[0];
    expect(comment("deny")).toBe("deny");
    expect(comment("under_score-dash")).toBe("under_score-dash");
    expect(comment("a.b")).toBe('"a.b"');
    expect(comment("x/y:z")).toBe('"x/y:z"');
  });

  it("bounds the NFLOG prefix to the kernel's 63 bytes, rate-limited, to its group", () => {
    fc.assert(
      fc.property(odd, (prefix) => {
        const line = renderRule("x", { match: {}, verdict: { kind: "log", prefix, group: 7, rate: "5/minute", burst: 3 }, comment: "c" }, 4, "a");
        const words = tokenize(line);
        const p = words[words.indexOf("--nflog-prefix") + 1]!;
        expect(Buffer.byteLength(p)).toBeLessThanOrEqual(63);
        expect(words.slice(words.indexOf("--limit"), words.indexOf("--limit") + 4)).toEqual(["--limit", "5/min", "--limit-burst", "3"]);
        expect(words[words.indexOf("--nflog-group") + 1]).toBe("7");
      }),
      { numRuns: 300 },
    );
  });
});

describe("user text through compile", () => {
  const name = (c: string) => `${`${c}.-_${"a-b_c.d".repeat(40)}`.slice(0, 252)}${c}`;
  // Control and bidi-override characters are refused in selectors by the model now; every other hostile character stays.
  const selectorValue = `we"b' \\ $(rm -rf) ; \`x\` é中😀`;
  const plan = compile(
    model(
      namespace(name("n"), { team: "a.b-c_d" }),
      network(name("N"), ["10.0.0.0/8", "fd00::/8"], "workload"),
      workload(name("w"), { network: name("N"), ips: ["10.0.0.1", "fd00::1"], namespace: name("n"), interface: "v-e_t.h0", labels: { app: "a.b-c_d" } }),
      policy(
        name("p"),
        {
          selector: `app == '${selectorValue.replace(/'/g, "")}' || app in {"a.b-c_d", '${selectorValue.replace(/'/g, "")}'}`,
          ingress: [{ action: "Log" }, { action: "Allow", protocol: "TCP", ports: ["1:65535"], from: { namespaceSelector: `team == "${selectorValue.replace(/"/g, "")}"` } }],
          egress: [{ action: "Log", protocol: "ICMP" }, { action: "Pass", to: { sameLabels: ["app"] } }],
        },
        { namespace: name("n") },
      ),
    ),
    "node-1",
  );

  it("renders only safe lines for names and selectors full of odd characters", () => {
    for (const family of [4, 6] as const) {
      const lines = renderInstall(plan, family, "b", "0123456789ab").split("\n").filter((l) => /^-[AI] /.test(l));
      expect(lines.filter((l) => l.includes('--comment "policy n.-_a-b_c.d')).length).toBe(2); // the dispatch rule of each stage
      expect(lines.filter((l) => l.includes("-j NFLOG"))).toHaveLength(2);
      for (const l of lines) checkLine(l.replace(/^-I FORWARD 1 /, "-A FORWARD "));
      for (const l of lines.filter((l) => l.includes("-j NFLOG"))) {
        const words = tokenize(l);
        expect(words[words.indexOf("--nflog-prefix") + 1]!.length).toBeLessThanOrEqual(63);
      }
    }
  });

  it("loads into the kernel, which refuses NFLOG prefixes over 63 and comments over 255 characters", async () => {
    const k = new FakeKernel();
    expect((await k.run("ipset", ["restore"], { input: renderIpsetRestore(renderSets(plan)) })).stderr).toBe("");
    for (const family of [4, 6] as const) {
      const cmd = `${family === 4 ? "iptables" : "ip6tables"}-legacy-restore`;
      expect((await k.run(cmd, ["--noflush"], { input: renderInstall(plan, family, "a", "h") })).stderr).toBe("");
    }
  });
});
