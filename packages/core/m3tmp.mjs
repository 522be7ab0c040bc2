import { Effect } from "effect"
import { pathSourceFromBytes, ResultCache } from "./dist/index.js"
import * as N from "./dist/platform/node.js"
import { readFileSync } from "node:fs"
const lines = readFileSync("/tmp/pf/S7", "utf8").trim().split("\n")
process.chdir("/tmp/pf/t10k")
process.env.SLUICE_CACHE_DIR = "/tmp/pf/c7"
const names = lines.map((l) => Buffer.from(l.slice(66)))
for (let r = 0; r < 2; r++) {
let t = performance.now()
const sources = names.map((n) => pathSourceFromBytes(n))
let t1 = performance.now()
const prog = Effect.gen(function*() {
  const cache = yield* ResultCache.ResultCache
  const a = performance.now()
  const ids = yield* cache.identify(sources)
  const b = performance.now()
  const keys = ids.map((id) => ({ kind: "digest", parts: ["sha256", cache.kernelVersion("sha256"), id.key] }))
  const vals = yield* cache.getMany(keys)
  const c = performance.now()
  console.log("identify", (b - a).toFixed(1), "getMany", (c - b).toFixed(1), vals.filter(Boolean).length)
})
await Effect.runPromise(prog.pipe(Effect.provide(N.cacheLayer())))
console.log("sources", (t1 - t).toFixed(1), "total", (performance.now() - t).toFixed(1))
}
