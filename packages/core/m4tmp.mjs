import { Effect } from "effect"
import { ResultCache } from "./dist/index.js"
import { hash } from "node:crypto"
import { crc32 } from "node:zlib"
import { readFileSync, readdirSync } from "node:fs"
const keys = Array.from({length: 10000}, (_, i) => ({ kind: "digest", parts: ["sha256", "node:crypto/1", `2049:${i}123456:4096:1764912345123456789:1764912345123456789`] }))
for (let r = 0; r < 3; r++) {
  let t = performance.now()
  for (const k of keys) ResultCache.levelKey("0.1.0", k, (text) => hash("sha256", text))
  let t1 = performance.now()
  let n = 0
  for (const f of readdirSync("/tmp/pf/c7/results")) {
    if (!f.endsWith(".log")) continue
    const text = readFileSync("/tmp/pf/c7/results/" + f, "utf8")
    for (const line of text.split("\n")) { if (line === "") continue; n++; const body = line.slice(9); if (crc32(body).toString(16).padStart(8, "0") !== line.slice(0, 8)) throw 1; const [a,b,c] = body.split(" ", 3) }
  }
  let t2 = performance.now()
  console.log("levelKey", (t1 - t).toFixed(1), "shards", (t2 - t1).toFixed(1), n)
}
