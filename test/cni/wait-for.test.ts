// Which nodes an ADD with waitFor "all" still waits for: alive nodes behind the Workload's revision or
// reporting an error, and its own node always (even when its agent never reported). Pure.
import { describe, expect, it } from "vitest";
import { ALIVE_MS, nodesBehind, type NodeRow } from "../../src/cni/index.js";

const NOW = Date.parse("2026-12-02T12:00:00Z");
const ago = (ms: number) => new Date(NOW - ms).toISOString();
const row = (node: string, revision: number | null, reportedMsAgo: number | null, error: string | null = null): NodeRow => ({ node, revision, error, reportedAt: reportedMsAgo === null ? null : ago(reportedMsAgo) });
const behind = (rows: NodeRow[], own = "n1", revision = 10) => nodesBehind(rows, own, revision, NOW).map((r) => r.node);

describe("nodesBehind (moat-cni waitFor all)", () => {
  it("waits for alive nodes below the revision, and for none at or past it", () => {
    expect(behind([row("n1", 10, 100), row("n2", 9, 100), row("n3", 11, 100)])).toEqual(["n2"]);
    expect(behind([row("n1", 10, 100), row("n2", 10, 5_000)])).toEqual([]);
  });

  it("waits for a node whose agent reports an error, even at the revision", () => {
    expect(behind([row("n1", 10, 100), row("n2", 12, 100, "nft: busy")])).toEqual(["n2"]);
  });

  it("does not wait for a node whose agent stopped reporting, or never reported: it cannot enforce anything new", () => {
    expect(behind([row("n1", 10, 100), row("n2", 3, ALIVE_MS + 1), row("n3", null, null)])).toEqual([]);
    expect(behind([row("n1", 10, 100), row("n2", 3, ALIVE_MS - 1)])).toEqual(["n2"]);
  });

  it("always waits for its own node: behind, silent for long, or not listed at all", () => {
    expect(behind([row("n1", 9, ALIVE_MS * 10)])).toEqual(["n1"]);
    expect(behind([row("n2", 10, 100)])).toEqual(["n1"]);
  });
});
