import { Effect, type Layer } from "effect"
import { describe, expect, it } from "vitest"
import * as WebCryptoKdfKernel from "../browser/WebCryptoKdfKernel.js"
import { toHex } from "../hash/kernels/IncrementalHasher.js"
import * as NodeKdfKernel from "../node/NodeKdfKernel.js"
import type { DeriveParams } from "./DeriveParams.js"
import { KdfKernel, layerPortable } from "./KdfKernel.js"
import { PUBLISHED_KDF_VECTORS } from "./publishedVectors.js"

// Node 24 has WebCrypto as a global, so the browser's kernel runs here too.
const kernels: Record<string, Layer.Layer<KdfKernel>> = {
  noble: layerPortable,
  "node:crypto": NodeKdfKernel.layer,
  WebCrypto: WebCryptoKdfKernel.layer
}

const deriveWith = (layer: Layer.Layer<KdfKernel>, params: DeriveParams) =>
  Effect.runPromise(Effect.flatMap(KdfKernel, (kernel) => kernel.derive(params)).pipe(Effect.provide(layer)))

describe.each(Object.entries(kernels))("KdfKernel %s", (_name, layer) => {
  it.each(PUBLISHED_KDF_VECTORS.map((v) => [v.name, v] as const))("matches %s", async (_n, vector) => {
    const key = await deriveWith(layer, vector.params)
    expect(toHex(key)).toBe(vector.hex)
  })

  it("returns a key that owns its whole buffer, so it can be transferred", async () => {
    const key = await deriveWith(layer, PUBLISHED_KDF_VECTORS[0]!.params)
    expect(key.buffer).toBeInstanceOf(ArrayBuffer)
    expect(key.byteOffset).toBe(0)
    expect(key.buffer.byteLength).toBe(key.length)
  })

  it("leaves the caller's password as it was", async () => {
    const params = PUBLISHED_KDF_VECTORS[3]!.params
    const before = toHex((params as { password: Uint8Array }).password)
    await deriveWith(layer, params)
    expect(toHex((params as { password: Uint8Array }).password)).toBe(before)
  })
})

describe("the three kernels agree", () => {
  const random = (n: number) => crypto.getRandomValues(new Uint8Array(n))
  const cases: Array<DeriveParams> = [
    { algorithm: "pbkdf2-sha512", password: random(13), salt: random(16), iterations: 1000, length: 100 },
    { algorithm: "pbkdf2-sha256", password: new Uint8Array(0), salt: random(32), iterations: 2, length: 33 },
    { algorithm: "hkdf-sha512", ikm: random(64), salt: new Uint8Array(0), info: random(10), length: 255 * 64 },
    { algorithm: "hkdf-sha256", ikm: random(1), salt: random(100), info: new Uint8Array(0), length: 1 }
  ]
  it.each(cases.map((c) => [`${c.algorithm} length ${c.length}`, c] as const))("on %s", async (_n, params) => {
    const keys = await Promise.all(Object.values(kernels).map((layer) => deriveWith(layer, params).then(toHex)))
    expect(keys[0]).toHaveLength(params.length * 2)
    expect(new Set(keys).size).toBe(1)
  })
})
