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
    // One llama.cpp thread per test process (tests that measure threads pass their own). ggml's threads
    // meet at a barrier after every graph node, so with more runnable threads than free cores each decode
    // waits for descheduled threads: measured on this 2-core VM at load ~16, test/server/concurrency took
    // 43 s with 2 threads and 4 s with 1. Two workers × one thread never oversubscribe the machine the suite
    // itself runs on, whatever else runs beside it. ATLAS_THREADS set outside wins.
    env: { ATLAS_THREADS: process.env["ATLAS_THREADS"] ?? "1" },
  },
});
