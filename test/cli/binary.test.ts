// The real ./bin/moat, as a user runs it after `npm run build`: real files, real stdin, real exit codes.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

function moat(args: string[], input?: string) {
  const r = spawnSync("./bin/moat", args, { cwd: root, input, encoding: "utf8", timeout: 30_000 });
  if (r.error) throw r.error;
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("./bin/moat", () => {
  it("is built (npm run build) before the tests run", () => {
    expect(existsSync(`${root}/dist/cli/main.js`), "dist/cli/main.js is missing: run `npm run build` first").toBe(true);
  });

  it("validates example files: exit 0 and a summary; exit 2 and the issues when broken", () => {
    const ok = moat(["validate", "-f", "examples/dcos-overlays.yaml", "-f", "examples/cloudfoundry-c2c.yaml"]);
    expect(ok).toMatchObject({ code: 0, err: "" });
    expect(ok.out).toBe("valid: 3 networks, 7 workloads, 2 policies in 2 files\n");
    const broken = moat(["validate", "-f", "-"], "apiVersion: moat.dev/v1\nkind: Network\nmetadata: {name: hr}\nspec: {subnets: [192.168.0.0./16]}\n");
    expect(broken.code).toBe(2);
    expect(broken.out).toBe("");
    expect(broken.err).toMatch(/spec\.subnets\[0\]: "192\.168\.0\.0\.\/16" is not a valid CIDR/);
  });

  it("checks a flow with exit 1 for denied, and prints the matrix of stdin as JSON", () => {
    const denied = moat(["check", "-f", "examples/dcos-overlays.yaml", "--from", "it-1", "--to", "hr-1", "--port", "8080", "--protocol", "TCP"]);
    expect(denied.code).toBe(1);
    expect(denied.out).toMatch(/^denied at ingress of hr-1/);
    const matrix = moat(["matrix", "-f", "-", "--port", "8080/tcp", "-o", "json"], readFileSync(`${root}/examples/cloudfoundry-c2c.yaml`, "utf8"));
    expect(matrix.code).toBe(0);
    const allowed = JSON.parse(matrix.out).probes.filter((p: { allowed: boolean; from: string; to: string }) => p.allowed && p.from !== p.to);
    expect(allowed.map((p: { from: string; to: string }) => `${p.from}->${p.to}`)).toEqual(["appA-0->appB-0", "appA-0->appB-1"]);
  });
});
