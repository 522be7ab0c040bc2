import { Effect } from "effect"
import { createHash, randomBytes } from "node:crypto"
import { describe, expect, it } from "vitest"
import { ALGORITHMS, HASH_ALGORITHMS, hasKernel } from "../hash/HashAlgorithm.js"
import { HashKernel } from "../hash/kernels/HashKernel.js"
import * as NodeHashKernel from "./NodeHashKernel.js"

const kernelOf = (layer: typeof NodeHashKernel.layer) => Effect.runSync(Effect.provide(Effect.gen(function*() {
  return yield* HashKernel
}), layer))

describe("NodeHashKernel's one-shot digest (a small file read in one chunk)", () => {
  it("gives node:crypto's digest of every algorithm OpenSSL computes, for an empty, a small and an odd-sized input", () => {
    const kernel = kernelOf(NodeHashKernel.layerFallback)
    for (const algorithm of HASH_ALGORITHMS.filter((a) => hasKernel(a, "nodeCrypto"))) {
      for (const data of [new Uint8Array(0), randomBytes(4096), randomBytes(70_001).subarray(3)]) {
        expect(kernel.digestHexSync!(algorithm, data), algorithm).toBe(createHash(ALGORITHMS[algorithm].kernels.nodeCrypto!).update(data).digest("hex"))
      }
    }
  })

  it("has none where another kernel answers: BLAKE3 always, BLAKE2b where the native addon does", () => {
    expect(kernelOf(NodeHashKernel.layerFallback).digestHexSync!("blake3", new Uint8Array(1))).toBeUndefined()
    const kernel = kernelOf(NodeHashKernel.layer)
    expect(kernel.digestHexSync!("blake3", new Uint8Array(1))).toBeUndefined()
    if (NodeHashKernel.usesNative("blake2b-512")) expect(kernel.digestHexSync!("blake2b-512", new Uint8Array(1))).toBeUndefined()
    expect(kernel.digestHexSync!("sha256", new Uint8Array(1))).toBe(createHash("sha256").update(new Uint8Array(1)).digest("hex"))
  })
})
