// Tests keep moat's records and locks in a directory of their own, never in /var/lib/moat or /run/moat.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

if (!process.env.MOAT_STATE_DIR) process.env.MOAT_STATE_DIR = mkdtempSync(join(tmpdir(), "moat-state-"));
if (!process.env.MOAT_LOCK_DIR) process.env.MOAT_LOCK_DIR = mkdtempSync(join(tmpdir(), "moat-lock-"));
