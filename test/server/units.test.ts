// The small pure pieces of the control plane: tokens, listen addresses, backoff, durations.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { backoffMs } from "../../src/agent/index.js";
import { parseDuration } from "../../src/cli/commands/agent.js";
import { InvalidInput, MoatError } from "../../src/errors/index.js";
import { parseListen, TokenTable } from "../../src/server/index.js";

describe("tokens", () => {
  const table = TokenTable.parse(
    [
      "- {name: ops, role: admin, token: aaaaaaaaaaaaaaaaaaaa}",
      `- {name: n1, role: agent, node: agent-1, sha256: ${createHash("sha256").update("bbbbbbbbbbbbbbbbbbbb").digest("hex")}}`,
    ].join("\n"),
    "tokens.yaml",
  );

  it("finds the principal of a clear or a digested token, and nobody for another", () => {
    expect(table.lookup("aaaaaaaaaaaaaaaaaaaa")).toEqual({ name: "ops", role: "admin" });
    expect(table.lookup("bbbbbbbbbbbbbbbbbbbb")).toEqual({ name: "n1", role: "agent", node: "agent-1" });
    expect(table.lookup("aaaaaaaaaaaaaaaaaaab")).toBeUndefined();
    expect(table.lookup("")).toBeUndefined();
  });

  it("refuses a file that does not hold, naming the entry and the field", () => {
    const issues = (text: string) => {
      try {
        TokenTable.parse(text, "t.yaml");
      } catch (e) {
        if (e instanceof InvalidInput) return e.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
        return [(e as MoatError).message];
      }
      return [];
    };
    expect(issues("- {name: x, role: root, token: aaaaaaaaaaaaaaaaaaaa}").join()).toMatch(/^0\.role/);
    expect(issues("- {name: x, role: agent, token: aaaaaaaaaaaaaaaaaaaa}").join()).toMatch(/0\.node.*names its node/);
    expect(issues("- {name: x, role: admin}").join()).toMatch(/exactly one of token and sha256/);
    expect(issues("- {name: x, role: admin, sha256: xyz}").join()).toMatch(/0\.sha256/);
    expect(issues("[]").join()).toMatch(/at least one/);
    expect(issues("- {name: [").join()).toMatch(/t\.yaml: not valid YAML/);
  });
});

describe("parseListen", () => {
  it("reads HOST:PORT for IPv4, [IPv6] and localhost, and names what it cannot read", () => {
    expect(parseListen("127.0.0.1:7080")).toEqual({ host: "127.0.0.1", port: 7080 });
    expect(parseListen("[::1]:0")).toEqual({ host: "::1", port: 0 });
    expect(parseListen("localhost:80")).toEqual({ host: "localhost", port: 80 });
    expect(parseListen(":7080")).toEqual({ host: "0.0.0.0", port: 7080 });
    for (const bad of ["7080", "127.0.0.1", "127.0.0.1:99999", "example.com:80", "1.2.3:80"]) expect(() => parseListen(bad), bad).toThrow(/is not HOST:PORT/);
  });
});

describe("agent timing", () => {
  it("backs off exponentially with jitter, capped", () => {
    expect(backoffMs(0, 100, 5000, () => 0)).toBe(50);
    expect(backoffMs(0, 100, 5000, () => 1)).toBe(100);
    expect(backoffMs(3, 100, 5000, () => 1)).toBe(800);
    expect(backoffMs(30, 100, 5000, () => 1)).toBe(5000);
    expect(backoffMs(30, 100, 5000, () => 0)).toBe(2500);
  });

  it("reads durations as the flags take them", () => {
    expect(parseDuration("500ms", "--x")).toBe(500);
    expect(parseDuration("30s", "--x")).toBe(30_000);
    expect(parseDuration("2m", "--x")).toBe(120_000);
    expect(parseDuration("250", "--x")).toBe(250);
    expect(parseDuration("24h", "--x")).toBe(86_400_000);
    for (const bad of ["", "25h", "-5s", "5", "fast", "1d"]) expect(() => parseDuration(bad, "--resync"), bad).toThrow(/--resync .* is not a duration/);
  });
});
