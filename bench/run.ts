// `npm run bench`: runs every benchmark and prints its figures. Benchmarks are not tests; a benchmark
// that misses its budget throws, and the run ends with exit code 1 after the others have run.
//
// To add one: write bench/<name>.ts exporting a function whose name starts with "bench" (it prints its
// own figures, and may be async), and add one line to MODULES.
const MODULES: Record<string, unknown>[] = [
  await import("./matrix.js"),
  await import("./compile.js"),
  await import("./lab.js"),
  await import("./apply.js"),
  await import("./input.js"),
  await import("./control-plane.js"),
  await import("./analyze.js"),
  await import("./store.js"),
  await import("./overlay.js"),
  await import("./cni.js"),
  await import("./demo.js"),
];

for (const mod of MODULES) {
  for (const [name, fn] of Object.entries(mod)) {
    if (!name.startsWith("bench") || typeof fn !== "function") continue;
    try {
      await fn();
    } catch (e) {
      console.error(`${name}: ${(e as Error).message}`);
      process.exitCode = 1;
    }
  }
}
