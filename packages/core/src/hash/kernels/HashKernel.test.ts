import { Effect } from "effect"
import { createHash, randomBytes } from "node:crypto"
import { describe, expect, it } from "vitest"
import * as NodeHashKernel from "../../node/NodeHashKernel.js"
import { HashKernel, layerPortable, layerPureJs } from "./HashKernel.js"
import { toHex } from "./IncrementalHasher.js"
import { PUBLISHED_VECTORS, vectorBytes } from "./publishedVectors.js"

const kernels = {
  "node (native addon, node:crypto)": NodeHashKernel.layer,
  "node without the native addon": NodeHashKernel.layerFallback,
  portable: layerPortable,
  "pure JS": layerPureJs
}

const digestWith = (layer: typeof layerPortable, algorithm: Parameters<HashKernel["Service"]["make"]>[0], pieces: ReadonlyArray<Uint8Array>) =>
  Effect.runPromise(Effect.gen(function*() {
    const hasher = yield* (yield* HashKernel).make(algorithm)
    for (const piece of pieces) hasher.update(piece)
    return toHex(hasher.digest())
  }).pipe(Effect.provide(layer)))

describe.each(Object.entries(kernels))("HashKernel %s", (_name, layer) => {
  it.each(PUBLISHED_VECTORS.map((v) => [`${v.algorithm} ${v.source} ${JSON.stringify(v.message.slice(0, 8))}${v.repeat ? `×${v.repeat}` : ""}`, v] as const))(
    "matches the published vector %s",
    async (_label, vector) => {
      expect(await digestWith(layer, vector.algorithm, [vectorBytes(vector)])).toBe(vector.digest)
    }
  )

  it("gives the same digest however the input is split", async () => {
    const data = randomBytes(300_001)
    const whole = await digestWith(layer, "sha512", [data])
    const pieces = [data.subarray(0, 1), data.subarray(1, 128), data.subarray(128, 65_537), data.subarray(65_537)]
    expect(await digestWith(layer, "sha512", pieces)).toBe(whole)
    expect(whole).toBe(createHash("sha512").update(data).digest("hex"))
  })
})
