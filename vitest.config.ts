import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Kernel tests share the machine's netns table and iptables binaries; run files one at a time there.
    fileParallelism: true,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
