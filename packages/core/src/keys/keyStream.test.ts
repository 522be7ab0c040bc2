import { Cause, Effect, Exit, Layer, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { JobProgress } from "../engine/job/JobProgress.js"
import { layerInline, type WorkerPool } from "../engine/pool/WorkerPool.js"
import * as NodeKeyKernel from "../node/NodeKeyKernel.js"
import { KeygenHandlersLive } from "./handlers.js"
import { KeygenError } from "./KeyError.js"
import { KeygenRpcs } from "./KeygenRpcs.js"
import { KeyKernel } from "./KeyKernel.js"
import { type GeneratedKey, type GeneratedKeyBatch, generateKeyBatches, generateKeyStream, keyBatchSize, type KeyStreamRequest } from "./keyStream.js"
import { parseOpensshPrivateKey } from "./formats/openssh.js"

const decode = (b: Uint8Array) => new TextDecoder().decode(b)

/** Keygen alone on this thread, over node:crypto, counting the keys the kernel made. */
const counting = () => {
  const made = { keys: 0 }
  const kernel = Layer.effect(KeyKernel)(Effect.gen(function*() {
    const k = yield* KeyKernel
    return KeyKernel.of({
      ...k,
      generate: (type) => Effect.andThen(Effect.sync(() => made.keys++), k.generate(type)),
      generateNow: (type) => {
        const pair = k.generateNow?.(type)
        if (pair !== undefined) made.keys++
        return pair
      }
    })
  })).pipe(Layer.provide(NodeKeyKernel.layer))
  const pool: Layer.Layer<WorkerPool> = layerInline({ group: KeygenRpcs, handlers: KeygenHandlersLive }).pipe(Layer.provide(kernel))
  return { made, pool }
}

const collect = (request: KeyStreamRequest) => {
  const { made, pool } = counting()
  return Effect.runPromise(Stream.runCollect(generateKeyStream(request)).pipe(Effect.provide(pool))).then((events) => ({
    events: events as ReadonlyArray<GeneratedKey | JobProgress>,
    made
  }))
}

describe("generateKeyStream", () => {
  it("emits every key once, in order, in batches, with progress counted in keys", async () => {
    const { events, made } = await collect({ type: "ed25519", count: 600, formats: ["spki-der", "openssh-private"], batchSize: 256, comment: "c" })
    const keys = events.filter((e): e is GeneratedKey => !(e instanceof JobProgress))
    expect(keys.map((k) => k.index)).toEqual(Array.from({ length: 600 }, (_, i) => i))
    expect(made.keys).toBe(600)
    const publics = new Set(keys.map((k) => Buffer.from(k.outputs[0]!.bytes).toString("hex")))
    expect(publics.size).toBe(600)
    expect(parseOpensshPrivateKey(decode(keys[599]!.outputs[1]!.bytes)).comment).toBe("c")
    const progress = events.filter((e): e is JobProgress => e instanceof JobProgress)
    expect(progress.length).toBeGreaterThan(0)
    expect(progress.every((p) => p.total === 600)).toBe(true)
    const last = progress.at(-1)!
    expect(last.total).toBe(600)
    expect(last.files).toBe(3)
  })

  it("numbers keys from `start` (a resumed run)", async () => {
    const { events } = await collect({ type: "x25519", count: 5, formats: ["age-recipient"], start: 100, batchSize: 2 })
    expect(events.filter((e): e is GeneratedKey => !(e instanceof JobProgress)).map((k) => k.index)).toEqual([100, 101, 102, 103, 104])
  })

  it("generates only what its reader takes: a batch or two ahead, never the whole count", async () => {
    const { made, pool } = counting()
    const taken = await Effect.runPromise(Stream.runCollect(generateKeyStream({ type: "ed25519", count: 10_000_000, formats: ["spki-der"] }).pipe(
      Stream.filter((e) => !(e instanceof JobProgress)),
      Stream.take(300)
    )).pipe(Effect.provide(pool)))
    expect(taken.length).toBe(300)
    expect(made.keys).toBeLessThanOrEqual(keyBatchSize({ type: "ed25519", formats: ["spki-der"], count: 10_000_000 }) * 4)
  })

  it("gives a batch at a time: whole batches in order, each numbered from its first key", async () => {
    const { made, pool } = counting()
    const events = await Effect.runPromise(Stream.runCollect(generateKeyBatches({ type: "ed25519", count: 10, formats: ["spki-der"], start: 40, batchSize: 4 })).pipe(Effect.provide(pool)))
    const batches = events.filter((e): e is GeneratedKeyBatch => !(e instanceof JobProgress))
    expect(batches.map((b) => [b.first, b.keys.length])).toEqual([[40, 4], [44, 4], [48, 2]])
    expect(made.keys).toBe(10)
    expect(new Set(batches.flatMap((b) => b.keys.map((k) => Buffer.from(k.outputs[0]!.bytes).toString("hex")))).size).toBe(10)
  })

  it("refuses a bad request before any key is made", async () => {
    const { made, pool } = counting()
    const exit = await Effect.runPromiseExit(Stream.runDrain(generateKeyStream({ type: "ed25519", count: 10, formats: ["pkcs8-encrypted-pem"] })).pipe(Effect.provide(pool)))
    expect(Exit.isFailure(exit)).toBe(true)
    if (Exit.isFailure(exit)) expect(Cause.squash(exit.cause)).toBeInstanceOf(KeygenError)
    expect(made.keys).toBe(0)
  })

  it("sizes batches to tens of ms of work and shares a small job among workers", () => {
    expect(keyBatchSize({ type: "ed25519", formats: ["pkcs8-pem"], count: 1e6 })).toBe(1024)
    expect(keyBatchSize({ type: "ecdsa-p256", formats: ["pkcs8-pem"], count: 1e6 })).toBe(1024)
    expect(keyBatchSize({ type: "ecdsa-p384", formats: ["pkcs8-pem"], count: 1e6 })).toBe(69)
    expect(keyBatchSize({ type: "rsa-2048", formats: ["pkcs8-pem"], count: 100 })).toBe(1)
    expect(keyBatchSize({ type: "ed25519", formats: ["openssh-private-encrypted"], count: 100 })).toBe(1)
    expect(keyBatchSize({ type: "ed25519", formats: ["pkcs8-pem"], count: 300 }, 2)).toBe(150)
  })

  it("evens batches out: a whole number of batches per worker, all of one size", () => {
    expect(keyBatchSize({ type: "ed25519", formats: ["pkcs8-pem"], count: 20_000 }, 2)).toBe(1000)
    expect(keyBatchSize({ type: "ed25519", formats: ["pkcs8-pem"], count: 20_000 }, 1)).toBe(1000)
    expect(keyBatchSize({ type: "ed25519", formats: ["pkcs8-pem"], count: 2049 }, 2)).toBe(513)
  })
})
