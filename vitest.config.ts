import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{bot,worker,shared,scripts,test}/**/*.test.ts"],
    // Real Docker containers, real llama.cpp and real git: give them time, and run files one at a
    // time so a 2-core machine is not oversubscribed.
    testTimeout: 60_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    passWithNoTests: false,
    globalSetup: ["test/temp-folder.global.ts"],
  },
});
