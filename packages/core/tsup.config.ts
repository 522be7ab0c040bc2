import { defineConfig } from "tsup"

export default defineConfig({
  entry: {
    index: "src/index.ts",
    "platform/node": "src/platform/node.ts",
    "platform/node-worker": "src/platform/node-worker.ts",
    "platform/browser": "src/platform/browser.ts",
    "platform/browser-worker": "src/platform/browser-worker.ts"
  },
  format: ["esm"],
  target: "node24",
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true
})
