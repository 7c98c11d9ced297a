// Prints the plain closing line "N passed, N failed" (", N skipped"), which CI reads to know tests ran.
import type { Reporter, TestModule } from "vitest/node";

export class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const count = { passed: 0, failed: 0, skipped: 0, pending: 0 };
    for (const m of modules) for (const t of m.children.allTests()) count[t.result().state]++;
    const failedFiles = modules.filter((m) => m.state() === "failed" && [...m.children.allTests()].length === 0).length;
    const skipped = count.skipped + count.pending;
    process.stdout.write(`\n${count.passed} passed, ${count.failed + failedFiles} failed${skipped ? `, ${skipped} skipped` : ""}\n`);
  }
}
