// `moat import cni` on real directories and files, as a user runs it.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runOnDisk } from "../../cli/fake-io.js";

const root = fileURLToPath(new URL("../../..", import.meta.url));

async function moat(...argv: string[]) {
  const { code, out, err } = await runOnDisk(argv);
  return { code, out, err };
}

describe("moat import cni", () => {
  it("reads a directory and a file, prints Networks that validate with the seed's workloads", async () => {
    const r = await moat("import", "cni", `${root}/examples/imports/cni/rkt`, "--subnet", "network1=192.168.0.0/24", "--subnet", "network2=192.168.1.0/24", "-o", "json");
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(JSON.parse(r.out)).toEqual([
      { apiVersion: "moat.dev/v1", kind: "Network", metadata: { name: "network1" }, spec: { subnets: ["192.168.0.0/24"], isolation: "network" } },
      { apiVersion: "moat.dev/v1", kind: "Network", metadata: { name: "network2" }, spec: { subnets: ["192.168.1.0/24"], isolation: "network" } },
    ]);
    const one = await moat("import", "cni", `${root}/examples/imports/cni/net.d/20-dualstack.conflist`);
    expect(one).toMatchObject({ code: 0, err: "" });
    expect(one.out).toBe(
      ["apiVersion: moat.dev/v1", "kind: Network", "metadata:", "  name: dualstack", "spec:", "  subnets:", "    - 10.10.0.0/24", "    - 172.16.5.0/24", "    - 2001:db8:5::/64", "  isolation: network", ""].join("\n"),
    );
  });

  it("prints nothing and exits 2 when a network needs --subnet, a path is missing, a directory has no config, or --subnet is malformed", async () => {
    const seed = await moat("import", "cni", `${root}/examples/imports/cni/rkt`);
    expect(seed).toMatchObject({ code: 2, out: "" });
    expect(seed.err.split("\n").at(-2)).toBe("2 issues found");
    const missing = await moat("import", "cni", `${root}/nonexistent`);
    expect(missing).toMatchObject({ code: 2, out: "" });
    expect(missing.err).toContain(`${root}/nonexistent: cannot read: ENOENT`);
    const empty = await moat("import", "cni", `${root}/examples/imports/rancher`, `${root}/src/importers`);
    expect(empty).toMatchObject({ code: 2, out: "" });
    expect(empty.err).toContain(`${root}/src/importers: no CNI network configuration here (files ending .conf, .conflist or .json)`);
    expect(await moat("import", "cni", `${root}/examples/imports/cni/rkt`, "--subnet", "192.168.0.0/24")).toEqual({
      code: 2,
      out: "",
      err: 'error: --subnet "192.168.0.0/24" must be NAME=CIDR, e.g. network1=192.168.0.0/24\n',
    });
  });
});
