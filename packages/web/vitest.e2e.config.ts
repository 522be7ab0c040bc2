import { defineConfig } from "vitest/config"

/**
 * End-to-end tests: the production build (`dist`) in Debian's Chromium. One file at a time,
 * so that timing figures (cancel latency, long tasks, throughput) are not skewed by another
 * browser hashing on the same cores.
 */
export default defineConfig({
  test: {
    environment: "node",
    include: ["e2e/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 60_000
  }
})
