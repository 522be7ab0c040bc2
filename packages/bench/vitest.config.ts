import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    // Unit tests only: the budget run itself is the `bench` script.
    include: ["src/**/*.test.ts"]
  }
})
