import { Cause, Effect, Exit, Layer, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { JobProgress } from "../engine/job/JobProgress.js"
import { layerInline, type WorkerPool } from "../engine/pool/WorkerPool.js"
import * as NodeKeyKernel from "../node/NodeKeyKernel.js"
import { KeygenHandlersLive } from "./handlers.js"
import { KeygenError } from "./KeyError.js"
import { KeygenRpcs } from "./KeygenRpcs.js"
import { KeyKernel } from "./KeyKernel.js"
import { type GeneratedKey, type GeneratedKeyBatch, generateKeyBatches, generateKeyStream, keyBatchSizes, type KeyStreamRequest } from "./keyStream.js"
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
    expect(made.keys).toBeLessThanOrEqual(Math.max(...keyBatchSizes({ type: "ed25519", formats: ["spki-der"], count: 10_000_000 })) * 4)
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

  const largest = (request: Parameters<typeof keyBatchSizes>[0], workers = 1) => Math.max(...keyBatchSizes(request, workers))

  it("sizes batches to tens of ms of work: thousands of quick keys, a few slow ones", () => {
    expect(largest({ type: "ed25519", formats: ["pkcs8-pem"], count: 1e6 })).toBe(4096)
    expect(largest({ type: "ecdsa-p256", formats: ["pkcs8-pem"], count: 1e6 })).toBe(4096)
    expect(largest({ type: "ecdsa-p384", formats: ["pkcs8-pem"], count: 1e6 })).toBe(69)
    expect(largest({ type: "rsa-2048", formats: ["pkcs8-pem"], count: 100 })).toBe(1)
    expect(largest({ type: "ed25519", formats: ["openssh-private-encrypted"], count: 100 })).toBe(1)
  })

  it("plans every key once, in batches that shrink as the job ends, the last round one equal batch per worker", () => {
    for (const [count, workers] of [[200_000, 2], [20_000, 2], [20_000, 1], [2049, 2], [300, 2], [7, 4]] as const) {
      const sizes = keyBatchSizes({ type: "ed25519", formats: ["pkcs8-pem"], count }, workers)
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(count)
      for (let i = 1; i < sizes.length; i++) expect(sizes[i]!).toBeLessThanOrEqual(sizes[i - 1]!)
      // No batch is more than an eighth of each worker's share of what is left, past the least size.
      let left = count
      for (const n of sizes) {
        expect(n).toBeLessThanOrEqual(Math.max(128, Math.ceil(left / workers), Math.ceil(left / (workers * 4))))
        left -= n
      }
      expect(sizes.at(-1)!).toBeLessThanOrEqual(128)
    }
    expect(keyBatchSizes({ type: "ed25519", formats: ["pkcs8-pem"], count: 300 }, 2)).toEqual([128, 86, 86])
    expect(keyBatchSizes({ type: "ed25519", formats: ["pkcs8-pem"], count: 200 }, 2)).toEqual([100, 100])
  })

  it("keeps each batch within its subdirectory of keys, from a resumed run's first key", () => {
    const files = { fields: 1, width: 7, suffixes: [".pem"], shardWidth: 4 }
    const sizes = keyBatchSizes({ type: "ed25519", formats: ["pkcs8-pem"], count: 5_000, start: 1_500, files }, 2)
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(5_000)
    let first = 1_500
    for (const n of sizes) {
      expect(Math.floor(first / 1000)).toBe(Math.floor((first + n - 1) / 1000))
      first += n
    }
    expect(sizes[0]).toBe(500)
  })

  it("gives every batch the size asked for, but the last and a subdirectory's end", () => {
    expect(keyBatchSizes({ type: "ed25519", formats: ["pkcs8-pem"], count: 10, batchSize: 4 }, 2)).toEqual([4, 4, 2])
    const files = { fields: 1, width: 7, suffixes: [".pem"], shardWidth: 4 }
    expect(keyBatchSizes({ type: "ed25519", formats: ["pkcs8-pem"], count: 1_200, start: 900, batchSize: 300, files }, 2)).toEqual([100, 300, 300, 300, 100, 100])
  })
})
