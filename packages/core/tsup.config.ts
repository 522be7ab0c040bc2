import { defineConfig } from "tsup"
import { effectDeepImports } from "./src/node/workerBundle.js"

const shared = { format: ["esm"], target: "node24", sourcemap: true } as const

export default defineConfig([
  {
    ...shared,
    entry: {
      index: "src/index.ts",
      "age-keys": "src/keys/ageKeyFiles.ts",
      "platform/node": "src/node/node.ts",
      "platform/node-derive": "src/node/deriveNode.ts",
      "platform/node-derive-engine": "src/node/deriveEngineNode.ts",
      "platform/node-check": "src/node/checkNode.ts",
      "platform/node-age-lean": "src/node/ageLean.ts",
      "platform/browser": "src/browser/browser.ts",
      "platform/browser-worker": "src/browser/browser-worker.ts",
      // Beside browser-worker.js, where its `new URL("./blob-reader-worker.js", import.meta.url)` looks.
      "platform/blob-reader-worker": "src/browser/blob-reader-worker.ts"
    },
    dts: true,
    // `build` empties dist first: the two configurations run at once and must not clean each other.
    splitting: true
  },
  {
    // Self-contained: a replacement worker loads a few files instead of hundreds of modules,
    // which starts it in about a third of the time (it matters when workers crash). Split
    // at each `import()`: what an operation loads on its first request (keygen, derive,
    // hash-wasm) is a chunk of its own, read only then; effect by its modules, not its
    // barrels (workerBundle.ts), so the worker holds only the parts of effect it uses.
    ...shared,
    entry: { "platform/node-worker": "src/node/node-worker.ts" },
    platform: "node",
    noExternal: [/./],
    dts: true,
    splitting: true,
    esbuildPlugins: [effectDeepImports]
  }
])
