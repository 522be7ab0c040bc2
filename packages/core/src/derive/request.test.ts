/** Derive's request without its schemas (request.ts), held to DeriveRpcs, and derive's own inline pool. */
import { Context, Effect, Exit, Layer } from "effect"
import { argon2Sync } from "node:crypto"
import { describe, expect, it } from "vitest"
import { layerDeriveInline, layerDeriveStarted } from "../node/deriveEngineNode.js"
import * as NodeKdfKernel from "../node/NodeKdfKernel.js"
import { derive } from "./derive.js"
import { DeriveError, SaltTooShort } from "./DeriveError.js"
import { DeriveRpcs } from "./DeriveRpcs.js"
import { DeriveHandlersLive } from "./handlers.js"
import { DERIVE_KEY, DERIVE_TAG, DeriveHandlersInline, DeriveRequests } from "./request.js"

const entriesOf = <A>(layer: Layer.Layer<A>) =>
  Effect.runPromise(Effect.scoped(Layer.build(layer.pipe(Layer.provide(NodeKdfKernel.layer)))).pipe(
    Effect.map((context) => [...(context as Context.Context<never>).mapUnsafe].map(([key, entry]) => [key, (entry as { tag: string }).tag]))
  ))

describe("derive's request without its schemas", () => {
  it("has DeriveRpcs's one request: its tag, its key, not streamed", () => {
    const real = [...DeriveRpcs.requests.values()]
    expect(real.map((rpc) => [rpc._tag, rpc.key])).toEqual([[DERIVE_TAG, DERIVE_KEY]])
    expect([...DeriveRequests.requests.values()].map((rpc) => [rpc._tag, rpc.key])).toEqual([[DERIVE_TAG, DERIVE_KEY]])
  })

  it("registers its handler as DeriveRpcs.toLayer does: under the same key, with the same tag", async () => {
    expect(await entriesOf(DeriveHandlersInline)).toEqual(await entriesOf(DeriveHandlersLive))
  })
})

describe("derive's inline pool (@sluice/core/node/derive-engine)", () => {
  const password = new TextEncoder().encode("correct horse")
  const salt = new Uint8Array(16).fill(1)

  it("derives node:crypto's key on the calling thread's pool", async () => {
    const key = await Effect.runPromise(derive({ algorithm: "argon2id", password, salt, memoryKiB: 1024, passes: 1, parallelism: 1, length: 32 }).pipe(Effect.provide(layerDeriveInline)))
    expect(Buffer.from(key).toString("hex")).toBe(argon2Sync("argon2id", { message: password, nonce: salt, memory: 1024, passes: 1, parallelism: 1, tagLength: 32 }).toString("hex"))
  })

  it("refuses bad parameters with derive's typed error, its classes and message", async () => {
    const exit = await Effect.runPromise(Effect.exit(derive({ algorithm: "scrypt", password, salt: new Uint8Array(4), logN: 10, r: 8, p: 1, length: 32 }).pipe(Effect.provide(layerDeriveInline))))
    const error = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
    const failure = error?._tag === "Fail" ? error.error : undefined
    expect(failure).toBeInstanceOf(DeriveError)
    expect((failure as DeriveError).reason).toBeInstanceOf(SaltTooShort)
    expect((failure as DeriveError).message).toMatch(/^scrypt: the salt has 4 bytes, fewer than 16/)
  })
})

describe("derive's inline pool with a derivation already started (layerDeriveStarted)", () => {
  const params = { algorithm: "argon2id" as const, password: new TextEncoder().encode("correct horse"), salt: new Uint8Array(16).fill(1), memoryKiB: 1024, passes: 1, parallelism: 1, length: 32 }
  const started = (key: Uint8Array) => ({ params, key: Promise.resolve(key) })

  it("answers the same derivation with the started call's key, not a second call", async () => {
    const marker = new Uint8Array(32).fill(0xab)
    const key = await Effect.runPromise(derive(params).pipe(Effect.provide(layerDeriveStarted(started(marker)))))
    expect([...key]).toEqual([...marker])
  })

  it("derives anything else itself: another password gets node:crypto's key", async () => {
    const other = { ...params, password: new TextEncoder().encode("correct horsf") }
    const key = await Effect.runPromise(derive(other).pipe(Effect.provide(layerDeriveStarted(started(new Uint8Array(32))))))
    expect(Buffer.from(key).toString("hex")).toBe(argon2Sync("argon2id", { message: other.password, nonce: other.salt, memory: 1024, passes: 1, parallelism: 1, tagLength: 32 }).toString("hex"))
  })
})
