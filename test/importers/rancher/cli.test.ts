// `moat import rancher` as a user runs it: manifests on stdout that `moat validate` accepts, warnings
// on stderr; on bad input nothing on stdout, every issue on stderr, exit 2.
import { describe, expect, it } from "vitest";
import { buildModel, parseDocuments } from "../../../src/model/index.js";
import { run } from "../../cli/fake-io.js";
import { collection, container, example, network } from "./helpers.js";

const files = {
  "net.json": example("rancher/network-stack-isolation.json").text,
  "containers.json": example("rancher/containers.json").text,
};

describe("moat import rancher", () => {
  it("prints YAML manifests that validate, and its warnings on stderr", async () => {
    const r = await run(["import", "rancher", "--network", "net.json", "--containers", "containers.json"], files);
    expect(r.code).toBe(0);
    expect(r.errLines).toEqual([
      "warning: containers.json: container \"ipsec-ipsec-1\" is not imported: it is a system container, which Rancher's network policy leaves alone",
      'warning: containers.json: container "scratch" is not imported: it is stopped',
      'warning: containers.json: label "io.rancher.container.ip" is left off 7 containers: it is not a valid moat label key and value (no rule refers to it)',
    ]);
    const parsed = parseDocuments(r.out, "out.yaml");
    expect(parsed.issues).toEqual([]);
    const built = buildModel(parsed.docs);
    expect(built.ok && [built.value.networks.length, built.value.workloads.length, built.value.policies.length]).toEqual([1, 7, 1]);
    // And validate reads the printed file as it is.
    const v = await run(["validate", "-f", "out.yaml"], { "out.yaml": r.out });
    expect(v).toMatchObject({ code: 0, out: "valid: 1 network, 7 workloads, 1 policy in 1 file\n" });
  });

  it("prints one JSON array with -o json, and reads the network from stdin with --network -", async () => {
    const r = await run(["import", "rancher", "--network", "-", "-o", "json"], {}, files["net.json"]);
    expect(r).toMatchObject({ code: 0, err: "" });
    expect((JSON.parse(r.out) as { kind: string }[]).map((d) => d.kind)).toEqual(["Network", "Policy"]);
  });

  it("prints nothing on stdout and exits 2 on bad input, naming file, path and value", async () => {
    const bad = { "net.json": network([{ within: "stack", action: "permit" }]), "c.json": collection([container("s/a", {}, { primaryIpAddress: "nope" })]) };
    const r = await run(["import", "rancher", "--network", "net.json", "--containers", "c.json"], bad);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.errLines).toEqual([
      'net.json: policy[0].action: action must be "allow" or "deny", not "permit"',
      'c.json: data[0].primaryIpAddress: "nope" is not an IP address',
      "2 issues found",
    ]);
  });

  it("exits 2 with nothing on stdout for a missing file, a missing --network and an unknown output format", async () => {
    const missing = await run(["import", "rancher", "--network", "gone.json"], {});
    expect(missing).toMatchObject({ code: 2, out: "" });
    expect(missing.errLines[0]).toBe("gone.json: cannot read: ENOENT: no such file or directory, open 'gone.json'");
    const noFlag = await run(["import", "rancher"], files);
    expect(noFlag).toMatchObject({ code: 2, out: "" });
    expect(noFlag.err).toContain("required option '--network <file>' not specified");
    const xml = await run(["import", "rancher", "--network", "net.json", "-o", "xml"], files);
    expect(xml).toMatchObject({ code: 2, out: "", err: 'error: -o "xml" is not an output format; expected one of yaml, json\n' });
  });
});
