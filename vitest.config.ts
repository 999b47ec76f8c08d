import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["test/helpers/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // llama.cpp work is CPU-bound on 2 cores: a few forks at a time keeps tests from starving each other.
    pool: "forks",
    maxWorkers: 2,
  },
});
