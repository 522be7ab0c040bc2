import { Effect, Layer } from "effect"
import { RpcTest } from "effect/rpc"
import { describe, expect, it } from "vitest"
import { toHex } from "../hash/kernels/IncrementalHasher.js"
import * as NodeKdfKernel from "../node/NodeKdfKernel.js"
import { layerInline, WorkerPool } from "../engine/pool/WorkerPool.js"
import { derive } from "./derive.js"
import type { DeriveParams } from "./DeriveParams.js"
import { DeriveRpcs } from "./DeriveRpcs.js"
import { DeriveHandlersLive } from "./handlers.js"
import { KdfKernel } from "./KdfKernel.js"
import { PUBLISHED_KDF_VECTORS } from "./publishedVectors.js"

const text = (s: string) => new TextEncoder().encode(s)

/** The derive operation alone on the calling thread, over `kernel`. */
const inline = (kernel: Layer.Layer<KdfKernel>): Layer.Layer<WorkerPool> =>
  layerInline({ group: DeriveRpcs, handlers: DeriveHandlersLive }).pipe(Layer.provide(kernel))

/** A kernel that counts its calls: a refused request must never reach one. */
const counting = () => {
  let calls = 0
  const layer = Layer.effect(KdfKernel)(Effect.map(KdfKernel, (kernel) => ({
    name: kernel.name,
    derive: (params: DeriveParams) => Effect.suspend(() => {
      calls++
      return kernel.derive(params)
    })
  }))).pipe(Layer.provide(NodeKdfKernel.layer))
  return { layer, calls: () => calls }
}

describe("derive", () => {
  it.each(PUBLISHED_KDF_VECTORS.map((v) => [v.name, v] as const))("gives %s", async (_n, vector) => {
    const key = await Effect.runPromise(derive(vector.params).pipe(Effect.provide(inline(NodeKdfKernel.layer))))
    expect(toHex(key)).toBe(vector.hex)
  })

  it("leaves every byte the caller gave as it was (the handler wipes only its own copy)", async () => {
    const params: DeriveParams = { algorithm: "hkdf-sha256", ikm: text("input key material"), salt: text("salt"), info: text("info"), length: 32 }
    const before = [params.ikm, params.salt, params.info].map(toHex)
    const first = await Effect.runPromise(derive(params).pipe(Effect.provide(inline(NodeKdfKernel.layer))))
    const second = await Effect.runPromise(derive(params).pipe(Effect.provide(inline(NodeKdfKernel.layer))))
    expect([params.ikm, params.salt, params.info].map(toHex)).toEqual(before)
    expect(toHex(second)).toBe(toHex(first))
  })

  it("refuses bad parameters before any kernel runs", async () => {
    const kernel = counting()
    const error = await Effect.runPromise(Effect.flip(derive({
      algorithm: "pbkdf2-sha512", password: text("pw"), salt: text("short"), iterations: 600_000, length: 64
    })).pipe(Effect.provide(inline(kernel.layer))))
    expect(error.reason._tag).toBe("SaltTooShort")
    expect(kernel.calls()).toBe(0)
  })
})

describe("the Derive handler", () => {
  const call = (params: DeriveParams, layer: Layer.Layer<KdfKernel>) =>
    Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const client = yield* RpcTest.makeClient(DeriveRpcs)
      return yield* client.Derive({ params })
    })).pipe(Effect.provide(DeriveHandlersLive.pipe(Layer.provideMerge(layer))), Effect.exit))

  it("checks the request again: a caller that skipped the pipeline is refused too", async () => {
    const kernel = counting()
    const exit = await call({ algorithm: "pbkdf2-sha256", password: text("pw"), salt: new Uint8Array(16), iterations: 0, length: 32 }, kernel.layer)
    expect(exit._tag).toBe("Failure")
    expect(JSON.stringify(exit)).toContain("ParameterOutOfRange")
    expect(kernel.calls()).toBe(0)
  })

  it("wipes the secret it was sent once the key is derived, and when it refuses", async () => {
    const ok = text("a password")
    const exit = await call({ algorithm: "pbkdf2-sha256", password: ok, salt: new Uint8Array(16), iterations: 10, length: 32 }, NodeKdfKernel.layer)
    expect(exit._tag).toBe("Success")
    expect(ok.every((b) => b === 0)).toBe(true)
    const refused = text("another one")
    await call({ algorithm: "hkdf-sha256", ikm: refused, salt: new Uint8Array(0), info: new Uint8Array(0), length: 9000 }, NodeKdfKernel.layer)
    expect(refused.every((b) => b === 0)).toBe(true)
  })
})
