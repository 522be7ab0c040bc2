/**
 * `derive` on real worker threads of `@sluice/core/node`: published keys come back from
 * a worker, a PBKDF2 of 600,000 iterations that sends no progress for its whole run is not
 * taken for a hung worker, and refusals cross the thread as typed errors.
 */
import { Effect, Exit, SubscriptionRef } from "effect"
import { pbkdf2Sync } from "node:crypto"
import { describe, expect, it } from "vitest"
import { derive, derivePolicy } from "../derive/derive.js"
import type { DeriveParams } from "../derive/DeriveParams.js"
import { DeriveRpcs } from "../derive/DeriveRpcs.js"
import { PUBLISHED_KDF_VECTORS } from "../derive/publishedVectors.js"
import { WorkerPool } from "../engine/pool/WorkerPool.js"
import { toHex } from "../hash/kernels/IncrementalHasher.js"
import * as SluiceNode from "./node.js"

// Real worker threads run the built worker entry: `test` runs after `build`.
const workerUrl = new URL("../../dist/platform/node-worker.js", import.meta.url)

/**
 * A pool that gives up on a silent stream after 50 ms and on a read after 50 ms: a
 * derivation judged by either would be killed long before it is done.
 */
const Impatient = SluiceNode.layer({
  workers: 1,
  workerUrl,
  supervision: { stallTimeout: "50 millis", deadline: () => "50 millis", retryCrashedInline: false }
})

describe("derive on worker threads", () => {
  it("gives the published keys (RFC 5869, RFC 7914) from a worker", async () => {
    const keys = await Effect.runPromise(Effect.gen(function*() {
      const pool = yield* WorkerPool
      expect(pool.kind).toBe("workers")
      return yield* Effect.forEach(PUBLISHED_KDF_VECTORS, (vector) => derive(vector.params))
    }).pipe(Effect.provide(SluiceNode.layer({ workers: 2, workerUrl }))))
    expect(keys.map(toHex)).toEqual(PUBLISHED_KDF_VECTORS.map((v) => v.hex))
  })

  it("runs a PBKDF2 of 600,000 iterations, silent for 10x the stall limit and more, to the end without being killed as hung", async () => {
    // SHA-512, four blocks of output: four times 600,000 rounds, 1-6 s on node:crypto here.
    const params: DeriveParams = {
      algorithm: "pbkdf2-sha512",
      password: new TextEncoder().encode("correct horse battery staple"),
      salt: new Uint8Array(16).fill(7),
      iterations: 600_000,
      length: 256
    }
    const { health, key, ms } = await Effect.runPromise(Effect.gen(function*() {
      const pool = yield* WorkerPool
      const started = performance.now()
      const key = yield* derive(params)
      return { key, ms: performance.now() - started, health: yield* SubscriptionRef.get(pool.health) }
    }).pipe(Effect.provide(Impatient)))
    expect(toHex(key)).toBe(pbkdf2Sync(params.password, params.salt, 600_000, 256, "sha512").toString("hex"))
    // Silent ten times longer than either limit would allow a stream or a read.
    expect(ms).toBeGreaterThan(500)
    expect(health).toMatchObject({ timeouts: 0, restarts: 0, retries: 0, fallbackTasks: 0 })
    expect(derivePolicy(params)).toMatchObject({ deadline: { _tag: "Cpu" }, idempotent: true })
    expect(derivePolicy(params).stall).toBeUndefined()
  }, 60_000)

  it("a worker refuses what the pipeline would have refused, as a typed DeriveError", async () => {
    const bad: DeriveParams = { algorithm: "hkdf-sha256", ikm: new Uint8Array(32), salt: new Uint8Array(0), info: new Uint8Array(0), length: 9000 }
    const exit = await Effect.runPromise(Effect.gen(function*() {
      const pool = yield* WorkerPool
      // Straight to the worker, past the pipeline's own check.
      return yield* pool.client(DeriveRpcs).run(derivePolicy(bad), (client) => client.Derive({ params: bad }))
    }).pipe(Effect.provide(SluiceNode.layer({ workers: 1, workerUrl })), Effect.exit))
    expect(Exit.isFailure(exit)).toBe(true)
    const failure = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
    expect(failure?._tag === "Fail" && failure.error).toMatchObject({
      _tag: "DeriveError",
      reason: { _tag: "ParameterOutOfRange", parameter: "length", value: 9000, max: 8160 }
    })
  })

  it("deriveKey, the Promise wrapper, resolves to the key and rejects with the DeriveError", async () => {
    const vector = PUBLISHED_KDF_VECTORS[0]!
    expect(toHex(await SluiceNode.deriveKey(vector.params, { workerUrl }))).toBe(vector.hex)
    expect(toHex(await SluiceNode.deriveKey(vector.params, { workers: 0 }))).toBe(vector.hex)
    await expect(SluiceNode.deriveKey({ ...vector.params, length: 0 }, { workerUrl })).rejects.toMatchObject({
      _tag: "DeriveError",
      message: "hkdf-sha256: length must be a whole number from 1 to 8160 (got 0)"
    })
  })
})
