import { defineConfig } from "tsup"

const shared = { format: ["esm"], target: "node24", sourcemap: true } as const

export default defineConfig([
  {
    ...shared,
    entry: {
      index: "src/index.ts",
      "platform/node": "src/platform/node.ts",
      "platform/browser": "src/platform/browser.ts",
      "platform/browser-worker": "src/platform/browser-worker.ts"
    },
    dts: true,
    // `build` empties dist first: the two configurations run at once and must not clean each other.
    splitting: true
  },
  {
    // Self-contained: a replacement worker loads one file instead of hundreds of modules,
    // which starts it in about a third of the time (it matters when workers crash).
    ...shared,
    entry: { "platform/node-worker": "src/platform/node-worker.ts" },
    platform: "node",
    noExternal: [/./],
    dts: true,
    splitting: false
  }
])
