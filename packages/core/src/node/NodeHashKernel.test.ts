import { blake3Vectors } from "@sluice/vectors"
import { Effect } from "effect"
import { createHash, randomBytes } from "node:crypto"
import { describe, expect, it } from "vitest"
import { HashKernel } from "../hash/kernels/HashKernel.js"
import { toHex } from "../hash/kernels/IncrementalHasher.js"
import * as NodeHashKernel from "./NodeHashKernel.js"

const digest = (layer: typeof NodeHashKernel.layer, algorithm: "blake3" | "blake2b-512", pieces: ReadonlyArray<Uint8Array>) =>
  Effect.runSync(Effect.gen(function*() {
    const hasher = yield* (yield* HashKernel).make(algorithm)
    for (const piece of pieces) hasher.update(piece)
    return toHex(hasher.digest())
  }).pipe(Effect.provide(layer)))

/** BLAKE3's test input: `n` bytes of 0, 1, ..., 250, 0, 1, ... */
const input = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 251)

describe("NodeHashKernel's native addon", () => {
  it("loads on linux x64 and answers BLAKE3 and BLAKE2b, nothing else", () => {
    // CI runs here: a binary that stopped loading would silently cost 10× on BLAKE3.
    if (process.platform === "linux" && process.arch === "x64") {
      expect(NodeHashKernel.usesNative("blake3")).toBe(true)
      expect(NodeHashKernel.usesNative("blake2b-512")).toBe(true)
    }
    expect(NodeHashKernel.usesNative("sha256")).toBe(false)
  })

  it.each(blake3Vectors().cases.map((c) => [c.input_len, c.hash.slice(0, 64)] as const))(
    "matches BLAKE3's official vector of %i bytes, whole and split at odd places",
    (length, expected) => {
      const data = input(length)
      expect(digest(NodeHashKernel.layer, "blake3", [data])).toBe(expected)
      expect(digest(NodeHashKernel.layer, "blake3", [data.subarray(0, 1023), data.subarray(1023, 1025), data.subarray(1025)])).toBe(expected)
    }
  )

  it("gives the same BLAKE3 and BLAKE2b digests as the fallback kernels over a large input", () => {
    const data = randomBytes(5 * 1024 * 1024 + 17)
    const pieces = [data.subarray(0, 65_536), data.subarray(65_536, 1_000_001), data.subarray(1_000_001)]
    for (const algorithm of ["blake3", "blake2b-512"] as const) {
      expect(digest(NodeHashKernel.layer, algorithm, pieces)).toBe(digest(NodeHashKernel.layerFallback, algorithm, [data]))
    }
    expect(digest(NodeHashKernel.layer, "blake2b-512", [data])).toBe(createHash("blake2b512").update(data).digest("hex"))
  })

  it("describes which implementation answers, with and without the addon", () => {
    const named = (layer: typeof NodeHashKernel.layer) =>
      Effect.runSync(Effect.gen(function*() {
        return (yield* HashKernel).describe("blake3")
      }).pipe(Effect.provide(layer)))
    expect(named(NodeHashKernel.layer)).toMatch(/@napi-rs\/blake-hash@1\.3\.6 \(native\)/)
    expect(named(NodeHashKernel.layerFallback)).toMatch(/^sluice blake3/)
  })
})
