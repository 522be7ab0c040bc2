/**
 * `derive` on real worker threads of `@sluice/core/node`: published keys come back from
 * a worker, a PBKDF2 of 600,000 iterations that sends no progress for its whole run is not
 * taken for a hung worker, and refusals cross the thread as typed errors.
 */
import { Effect, Exit, SubscriptionRef } from "effect"
import { argon2Sync, pbkdf2Sync, scryptSync } from "node:crypto"
import { describe, expect, it } from "vitest"
import { calibrate } from "../derive/calibrate.js"
import { derive, derivePolicy } from "../derive/derive.js"
import type { DeriveParams } from "../derive/DeriveParams.js"
import { DeriveError, ParameterOutOfRange } from "../derive/DeriveError.js"
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
     // Decoded back into derive's own classes, messages and all, as the calling thread makes them.
    const error = failure?._tag === "Fail" ? failure.error : undefined
    expect(error).toBeInstanceOf(DeriveError)
    expect((error as DeriveError).reason).toBeInstanceOf(ParameterOutOfRange)
    expect((error as DeriveError).message).toBe("hkdf-sha256: length must be a whole number from 1 to 8160 (got 9000)")
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

  it("runs Argon2id (64 MiB, t=3, p=4) and scrypt (N=2^17, r=8), each silent for many times the stall limit, to the end on a worker", async () => {
    const password = new TextEncoder().encode("correct horse battery staple")
    const salt = new Uint8Array(16).fill(9)
    const argon: DeriveParams = { algorithm: "argon2id", password, salt, memoryKiB: 65536, passes: 3, parallelism: 4, length: 32 }
    const scrypt: DeriveParams = { algorithm: "scrypt", password, salt, logN: 17, r: 8, p: 1, length: 32 }
    const { health, keys, ms } = await Effect.runPromise(Effect.gen(function*() {
      const pool = yield* WorkerPool
      const started = performance.now()
      const keys = [yield* derive(argon), yield* derive(scrypt)]
      return { keys, ms: performance.now() - started, health: yield* SubscriptionRef.get(pool.health) }
    }).pipe(Effect.provide(Impatient)))
    expect(toHex(keys[0]!)).toBe(argon2Sync("argon2id", { message: password, nonce: salt, memory: 65536, passes: 3, parallelism: 4, tagLength: 32 }).toString("hex"))
    expect(toHex(keys[1]!)).toBe(scryptSync(password, salt, 32, { N: 2 ** 17, r: 8, p: 1, maxmem: 2 ** 28 }).toString("hex"))
    expect(ms).toBeGreaterThan(200)
    expect(health).toMatchObject({ timeouts: 0, restarts: 0, retries: 0, fallbackTasks: 0 })
    // One task each, judged by CPU time, never run on the calling thread instead.
    expect(derivePolicy(argon)).toMatchObject({ deadline: { _tag: "Cpu" }, idempotent: true, fallback: false })
    expect(derivePolicy(scrypt).stall).toBeUndefined()
  }, 60_000)

  it("refuses absurd parameters before any work: no worker is started (its entry does not even exist)", async () => {
    const password = new TextEncoder().encode("hunter2")
    const salt = new Uint8Array(16)
    const absurd: ReadonlyArray<DeriveParams> = [
      { algorithm: "argon2id", password, salt, memoryKiB: 8 * 1024 * 1024, passes: 3, parallelism: 4, length: 32 },
      { algorithm: "argon2id", password, salt, memoryKiB: 65536, passes: 0, parallelism: 4, length: 32 },
      { algorithm: "scrypt", password, salt: new Uint8Array(4), logN: 17, r: 8, p: 1, length: 32 },
      { algorithm: "scrypt", password, salt, logN: 20, r: 8, p: 1, length: 32 }
    ]
    const nowhere = SluiceNode.layer({ workers: 1, workerUrl: new URL("./no-such-worker.js", import.meta.url) })
    const { exits, health } = await Effect.runPromise(Effect.gen(function*() {
      const pool = yield* WorkerPool
      // The last one is over this caller's 512 MiB ceiling (1 GiB), not over the fixed 4 GiB.
      const exits = yield* Effect.forEach(absurd, (params) => Effect.exit(derive(params, { maxMemoryBytes: 512 * 1024 * 1024 })))
      return { exits, health: yield* SubscriptionRef.get(pool.health) }
    }).pipe(Effect.provide(nowhere)))
    const reasons = exits.map((exit) => Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined)
    expect(reasons.map((r) => r?._tag === "Fail" ? (r.error as { reason: { _tag: string } }).reason._tag : "none")).toEqual([
      "MemoryOverCeiling", "ParameterOutOfRange", "SaltTooShort", "MemoryOverCeiling"
    ])
    expect(health).toMatchObject({ restarts: 0, retries: 0, timeouts: 0, fallbackTasks: 0 })
  })

  it("calibrates on a worker: parameters for a target time under a memory ceiling, measured", async () => {
    const results = await Effect.runPromise(Effect.gen(function*() {
      const argon = yield* calibrate({ algorithm: "argon2id", targetMs: 150, maxMemoryBytes: 32 * 1024 * 1024 })
      const scrypt = yield* calibrate({ algorithm: "scrypt", targetMs: 150, maxMemoryBytes: 64 * 1024 * 1024 })
      const pbkdf2 = yield* calibrate({ algorithm: "pbkdf2-sha256", targetMs: 100 })
      return { argon, scrypt, pbkdf2 }
    }).pipe(Effect.provide(SluiceNode.layer({ workers: 1, workerUrl }))))
    const { argon, pbkdf2, scrypt } = results
    expect(argon.params).toMatchObject({ algorithm: "argon2id", parallelism: 4 })
    expect(argon.params.algorithm === "argon2id" && argon.params.memoryKiB).toBeLessThanOrEqual(32 * 1024)
    expect(scrypt.params).toMatchObject({ algorithm: "scrypt", r: 8, p: 1 })
    expect(scrypt.params.algorithm === "scrypt" && 128 * 8 * 2 ** scrypt.params.logN).toBeLessThanOrEqual(64 * 1024 * 1024)
    expect(pbkdf2.params.algorithm === "pbkdf2-sha256" && pbkdf2.params.iterations).toBeGreaterThanOrEqual(1000)
    for (const c of [argon, scrypt, pbkdf2]) {
      expect(c.trials.length).toBeGreaterThan(0)
      expect(c.trials.some((t) => t.params === c.params && t.ms === c.ms)).toBe(true)
      expect(c.ms).toBeGreaterThan(0)
    }
  }, 60_000)
})
