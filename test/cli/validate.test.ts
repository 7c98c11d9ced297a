import { describe, expect, it } from "vitest";
import { run } from "./fake-io.js";
import { APPS, FILES, NETWORKS } from "./fixtures.js";

describe("moat validate", () => {
  it("valid files: exit 0 and a one-line summary, nothing on stderr", async () => {
    const r = await run(["validate", "-f", "nets.yaml", "-f", "apps.yaml"], FILES);
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(r.out).toBe("valid: 2 networks, 2 workloads, 1 policy in 2 files\n");
  });

  it("counts in the singular and reads JSON lists", async () => {
    const r = await run(["validate", "--filename", "shop.json"], FILES);
    expect(r.out).toBe("valid: 1 network, 3 workloads, 1 policy in 1 file\n");
  });

  it("-f - reads stdin, alongside files", async () => {
    const r = await run(["validate", "-f", "nets.yaml", "-f", "-"], FILES, APPS);
    expect(r.code).toBe(0);
    expect(r.out).toBe("valid: 2 networks, 2 workloads, 1 policy in 2 files\n");
  });

  it("invalid files: exit 2 and every issue, one a line, with file, document, resource, path and value", async () => {
    const r = await run(["validate", "-f", "nets.yaml", "-f", "broken.yaml"], FILES);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    // In the order of the input: file by file, document by document.
    expect(r.errLines.slice(0, -1)).toEqual([
      expect.stringMatching(/^broken\.yaml#1: Network\/finance: spec\.subnets\[0\]: .*"192\.168\.0\.0\.\/16"/),
      expect.stringMatching(/^broken\.yaml#2: Workload\/w: (spce: unknown field "spce"|spec: is required)/),
      expect.stringMatching(/^broken\.yaml#2: Workload\/w: (spce: unknown field "spce"|spec: is required)/),
      expect.stringMatching(/^broken\.yaml#3: Workload\/x: spec\.network: .*"nowhere"/),
    ]);
    expect(r.errLines.at(-1)).toBe("4 issues found");
  });

  it("issues from stdin and from several files are all reported", async () => {
    const r = await run(["validate", "-f", "broken.yaml", "-f", "-"], FILES, "apiVersion: moat.dev/v1\nkind: Netwerk\n");
    expect(r.code).toBe(2);
    expect(r.errLines.at(-1)).toBe("5 issues found");
    expect(r.errLines.some((l) => /stdin.*"Netwerk" is not a known kind/.test(l))).toBe(true);
  });

  it("a file that cannot be read or parsed is an issue like any other", async () => {
    const r = await run(["validate", "-f", "nets.yaml", "-f", "missing.yaml", "-f", "bad.yaml"], { ...FILES, "bad.yaml": "kind: [Network\n" });
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.errLines.some((l) => l.startsWith("missing.yaml: cannot read"))).toBe(true);
    expect(r.errLines.some((l) => l.startsWith("bad.yaml#1: not valid YAML or JSON"))).toBe(true);
  });

  it("no -f at all is bad input", async () => {
    const r = await run(["validate"], FILES);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/-f FILE/);
  });
});

describe("moat itself", () => {
  it("an unknown verb or flag is bad input; --help is not", async () => {
    expect((await run(["frobnicate"])).code).toBe(2);
    expect((await run(["validate", "-f", "nets.yaml", "--bogus"], FILES)).code).toBe(2);
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    for (const verb of ["validate", "check", "matrix"]) expect(help.out).toContain(verb);
  });
});
