// `moat import cloudfoundry` and `moat policy add|list|remove` as users run them, on real files in a
// temporary directory: cf's defaults (tcp, 8080) and wording, the file edited in place.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runOnDisk } from "../../cli/fake-io.js";

const root = fileURLToPath(new URL("../../..", import.meta.url));
let dir = "";
let apps = "";

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "moat-cf-"));
  apps = join(dir, "apps.yaml");
  copyFileSync(`${root}/examples/imports/cloudfoundry/apps.yaml`, apps);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function moat(...argv: string[]) {
  const { code, out, err } = await runOnDisk(argv);
  return { code, out, err };
}

describe("moat policy", () => {
  it("adds with cf's defaults (tcp, 8080), lists with app names, and removes, editing the file in place", async () => {
    const original = readFileSync(apps, "utf8");
    expect(await moat("policy", "add", "appA", "appB", "-f", apps)).toEqual({ code: 0, err: "", out: `Adding network policy from app appA to app appB in ${apps}...\nOK\n` });
    expect(await moat("policy", "add", "appB", "db", "--protocol", "tcp", "--port", "5432-5433", "-f", apps)).toMatchObject({ code: 0 });
    expect(readFileSync(apps, "utf8").startsWith(original)).toBe(true);
    expect(await moat("policy", "list", "-f", apps)).toEqual({
      code: 0,
      err: "",
      out: [`Listing network policies in ${apps}...`, "", "source   destination   protocol   ports", "appA     appB          tcp        8080", "appB     db            tcp        5432-5433", ""].join("\n"),
    });
    expect((await moat("policy", "list", "--source", "appB", "-f", apps)).out).toBe(
      [`Listing network policies in ${apps}...`, "", "source   destination   protocol   ports", "appB     db            tcp        5432-5433", ""].join("\n"),
    );
    expect((await moat("matrix", "-f", apps, "--port", "8080", "-o", "json")).code).toBe(0);
    expect(await moat("policy", "remove", "appA", "appB", "--protocol", "tcp", "--port", "8080", "-f", apps)).toEqual({
      code: 0,
      err: "",
      out: `Removing network policy from app appA to app appB in ${apps}...\nOK\n`,
    });
    expect((await moat("policy", "remove", "appA", "appB", "-f", apps)).out).toBe(`Removing network policy from app appA to app appB in ${apps}...\nPolicy does not exist.\nOK\n`);
    expect(await moat("policy", "remove", "appB", "db", "-f", apps)).toMatchObject({ code: 0 });
    expect(readFileSync(apps, "utf8")).toBe(original);
  });

  it("refuses like cf does, with nothing on stdout and the file untouched", async () => {
    const original = readFileSync(apps, "utf8");
    expect(await moat("policy", "add", "appA", "appB", "--port", "8080", "-f", apps)).toEqual({
      code: 2,
      out: "",
      err: "error: Incorrect Usage: --protocol and --port flags must be specified together\n",
    });
    expect(await moat("policy", "add", "pineapple", "appB", "-f", apps)).toEqual({ code: 2, out: "", err: "error: App pineapple not found\n" });
    expect(await moat("policy", "add", "appA", "appB", "--protocol", "icmp", "--port", "1", "-f", apps)).toMatchObject({ code: 2, out: "" });
    expect((await moat("policy", "add", "appA", "appB", "--protocol", "tcp", "--port", "9000-80", "-f", apps)).err).toBe(
      'error: Incorrect Usage: --port: port range "9000-80" starts after it ends\n',
    );
    const broken = join(dir, "broken.yaml");
    writeFileSync(broken, "kind: [\n");
    const r = await moat("policy", "add", "appA", "appB", "-f", broken);
    expect(r).toMatchObject({ code: 2, out: "" });
    expect(r.err.startsWith(`${broken}#1: not valid YAML`)).toBe(true);
    expect(readFileSync(apps, "utf8")).toBe(original);
    expect(readFileSync(broken, "utf8")).toBe("kind: [\n");
  });
});

describe("moat import cloudfoundry", () => {
  it("prints manifests that validate with the apps, and exits 2 with nothing on stdout on a bad body", async () => {
    const ok = await moat("import", "cloudfoundry", `${root}/examples/imports/cloudfoundry/policies.json`, "--no-network");
    expect(ok).toMatchObject({ code: 0, err: "" });
    writeFileSync(join(dir, "policies.yaml"), ok.out);
    expect(await moat("validate", "-f", apps, "-f", join(dir, "policies.yaml"))).toMatchObject({ code: 0, out: "valid: 1 network, 3 workloads, 2 policies in 2 files\n" });
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ policies: [{ source: { id: "a" }, destination: { id: "b", protocol: "tcp", ports: { start: 1, end: 99999 } } }] }));
    expect(await moat("import", "cloudfoundry", bad)).toEqual({
      code: 2,
      out: "",
      err: `${bad}: policies[0].destination.ports.end: port 99999 is not a port in 1-65535\n1 issue found\n`,
    });
  });
});
