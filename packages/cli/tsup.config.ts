import { defineConfig } from "tsup"

export default defineConfig({
  entry: { bin: "src/bin.ts", worker: "src/worker.ts" },
  format: ["esm"],
  target: "node24",
  sourcemap: true,
  clean: true,
  banner: { js: "#!/usr/bin/env node" },
  // One file with only what the CLI uses: start-up is module evaluation, not parsing.
  noExternal: [/.*/]
})
