// moat-cni's answers to input it cannot use: CNI error JSON on stdout ({cniVersion, code, msg, details}),
// exit 1, with the spec's well-known codes and a message naming the field and the value it had. Each
// case fails before the plugin touches a kernel or a server, so it runs the plugin in no namespace.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { PLUGIN } from "./fixture.js";

const GOOD = { cniVersion: "1.0.0", name: "it", type: "moat-cni", server: "http://127.0.0.1:9", ipam: { type: "moat" } };
const ENV = { CNI_COMMAND: "ADD", CNI_CONTAINERID: "c1", CNI_NETNS: "/run/netns/none", CNI_IFNAME: "eth0", CNI_PATH: "/usr/lib/cni" };

function run(env: Record<string, string | undefined>, stdin: unknown) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("CNI_")));
  const r = spawnSync(process.execPath, [PLUGIN], { env: { ...clean, ...(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>) }, input: typeof stdin === "string" ? stdin : JSON.stringify(stdin), encoding: "utf8", timeout: 20_000 });
  return { code: r.status, json: JSON.parse(r.stdout) as { cniVersion: string; code: number; msg: string; details: string; supportedVersions?: string[] } };
}

describe("moat-cni errors", () => {
  it.each([
    ["ipam.type not a string", { ...GOOD, ipam: { type: 42 } }, 4, ["ipam.type", "42"]],
    ["server missing", { ...GOOD, server: undefined }, 4, ["server", "missing"]],
    ["timeoutMs negative", { ...GOOD, timeoutMs: -5 }, 4, ["timeoutMs", "-5"]],
    ["labels not strings", { ...GOOD, args: { labels: { app: 7 } } }, 4, ["args.labels", "7"]],
    ["waitFor neither node nor all", { ...GOOD, waitFor: "cluster" }, 4, ["waitFor", '"cluster"']],
  ])("bad config (%s): code 4 naming the field and value", (_what, config, code, words) => {
    const r = run(ENV, config);
    expect(r.code).toBe(1);
    expect(r.json.code).toBe(code);
    expect(r.json.cniVersion).toBe("1.0.0");
    for (const w of words as string[]) expect(r.json.msg).toContain(w);
  });

  it("config that is not JSON: code 6 (decoding failure)", () => {
    const r = run(ENV, "{not json");
    expect([r.code, r.json.code]).toEqual([1, 6]);
    expect(r.json.msg).toContain("not JSON");
  });

  it.each([
    ["CNI_COMMAND", "ATTACH", "ATTACH"],
    ["CNI_IFNAME", "eth 0", '"eth 0"'],
    ["CNI_IFNAME", "an-interface-name-too-long", "an-interface-name-too-long"],
    ["CNI_CONTAINERID", "-bad/id", "-bad/id"],
    ["CNI_NETNS", "relative/path", "relative/path"],
    ["CNI_ARGS", "IgnoreUnknown=1;novalue", "novalue"],
    ["CNI_NETNS", undefined, "missing"],
  ])("bad environment %s=%s: code 7 naming it and its value", (name, value, shown) => {
    const r = run({ ...ENV, [name]: value }, GOOD);
    expect([r.code, r.json.code]).toEqual([1, 7]);
    expect(r.json.msg).toContain(name);
    expect(r.json.msg).toContain(shown);
  });

  it("an unsupported version: code 1, in the config's version; CHECK of a 0.3.1 config and STATUS of 1.0.0 too", () => {
    const r = run(ENV, { ...GOOD, cniVersion: "0.2.0" });
    expect([r.code, r.json.code, r.json.cniVersion]).toEqual([1, 1, "0.2.0"]);
    expect(r.json.details).toContain("1.0.0");
    expect(run({ ...ENV, CNI_COMMAND: "CHECK" }, { ...GOOD, cniVersion: "0.3.1" }).json.code).toBe(1);
    expect(run({ CNI_COMMAND: "STATUS" }, GOOD).json).toMatchObject({ code: 1, msg: "cniVersion 1.0.0 has no STATUS", details: "STATUS came with 1.1.0" });
  });

  it("VERSION lists the versions moat-cni speaks, in the version asked", () => {
    const r = spawnSync(process.execPath, [PLUGIN], { env: { ...process.env, CNI_COMMAND: "VERSION" }, input: '{"cniVersion":"1.0.0"}', encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ cniVersion: "1.0.0", supportedVersions: ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"] });
  });

  it("a server that cannot be reached: ADD says 11 (try again later) before it makes anything, STATUS 50 (not available)", () => {
    const r = run(ENV, GOOD);
    expect([r.code, r.json.code]).toEqual([1, 11]);
    expect(r.json.msg).toContain("cannot reach the moat server");
    const s = run({ CNI_COMMAND: "STATUS" }, { ...GOOD, cniVersion: "1.1.0" });
    expect([s.code, s.json.code]).toEqual([1, 50]);
    expect(s.json.msg).toContain("cannot be reached");
  });
});
