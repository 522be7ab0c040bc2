import { defineConfig } from "tsup"

export default defineConfig({
  entry: { run: "src/run.ts" },
  format: ["esm"],
  target: "node24",
  platform: "node",
  sourcemap: true,
  clean: true
})
