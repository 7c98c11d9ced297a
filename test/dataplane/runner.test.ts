import { describe, expect, it } from "vitest";
import { CommandFailed, processRunner, runOk } from "../../src/dataplane/index.js";
import { FakeKernel } from "../support/fake-kernel.js";

describe("runOk", () => {
  it("throws CommandFailed with the command, its input, exit code and stderr", async () => {
    const k = new FakeKernel();
    const input = "create s hash:bogus\n";
    const err = await runOk(k, "ipset", ["restore"], { input }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandFailed);
    const f = err as CommandFailed;
    expect([f.cmd, f.args, f.input, f.result.code]).toEqual(["ipset", ["restore"], input, 1]);
    expect(f.message).toBe("ipset restore exited 1: ipset v7.19: Error in line 1: Syntax error: Unknown settype hash:bogus");
  });
});

describe("processRunner", () => {
  it("feeds stdin and collects stdout, stderr and the exit code", async () => {
    const r = await processRunner().run("sh", ["-c", "cat; echo oops >&2; exit 3"], { input: "hello" });
    expect(r).toEqual({ code: 3, stdout: "hello", stderr: "oops\n" });
  });

  it("reports a missing program as exit 127", async () => {
    const r = await processRunner().run("moat-no-such-program", []);
    expect(r.code).toBe(127);
    expect(r.stderr).toMatch(/ENOENT/);
  });
});
