import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it, expect } from "vitest";
import { openSqliteStore } from "../../src/store/index.js";
import { storeSuite } from "./store-suite.js";

storeSuite("SQLite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "moat-store-"));
  const file = join(dir, "moat.db");
  return { store: openSqliteStore(file), reopen: async () => openSqliteStore(file), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

it("SQLite compacts by itself beyond historyLimit revisions, in WAL mode", async () => {
  const dir = mkdtempSync(join(tmpdir(), "moat-store-"));
  const s = openSqliteStore(join(dir, "moat.db"), { historyLimit: 3 });
  try {
    for (let i = 0; i < 6; i++) await s.commit(i, [{ key: { kind: "Network", namespace: "", name: `n${i}` }, object: { kind: "Network", metadata: { name: `n${i}` } } }], []);
    await expect(s.eventsSince(2)).rejects.toMatchObject({ kind: "gone" });
    expect((await s.eventsSince(3)).map((e) => e.revision)).toEqual([4, 5, 6]);
  } finally {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const Database = (await import("better-sqlite3")).default;
  const dir2 = mkdtempSync(join(tmpdir(), "moat-store-"));
  const st = openSqliteStore(join(dir2, "moat.db"));
  await st.close();
  const db = new Database(join(dir2, "moat.db"));
  expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
  db.close();
  rmSync(dir2, { recursive: true, force: true });
});
