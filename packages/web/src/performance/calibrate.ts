/**
 * How fast each algorithm hashes here, measured on a worker of the app's pool (never on
 * the main thread): 4 MiB from memory per algorithm, after a small warm-up that loads its
 * kernel. About 15-60 ms of one worker per algorithm; what `recommend` compares.
 */
import { BlobSource, type HashAlgorithm, HashRequests, WorkerPool } from "@sluice/core"
import { Effect, Stream, SubscriptionRef } from "effect"
import type { Calibration } from "./PerformanceMonitor.js"

export const CALIBRATION_BYTES = 4 * 1024 * 1024
const WARM_UP_BYTES = 64 * 1024

/**
 * Bytes per second of each algorithm on one worker, or undefined when work would run on
 * the main thread (an inline pool, or workers failing and the breaker open).
 */
export const calibrate = (
  algorithms: ReadonlyArray<HashAlgorithm>,
  bytes = CALIBRATION_BYTES
): Effect.Effect<Calibration | undefined, unknown, WorkerPool> =>
  Effect.gen(function*() {
    const pool = yield* WorkerPool
    const health = yield* SubscriptionRef.get(pool.health)
    if (pool.kind !== "workers" || health.breaker._tag !== "closed") return undefined
    const warmUp = new BlobSource({ name: "calibration", blob: new Blob([new Uint8Array(WARM_UP_BYTES)]) })
    const data = new BlobSource({ name: "calibration", blob: new Blob([new Uint8Array(bytes)]) })
    const tasks = yield* HashRequests
    const speeds: Record<string, number> = {}
    for (const algorithm of algorithms) {
      yield* Stream.runDrain(tasks.hashSource(warmUp, [algorithm]))
      const started = performance.now()
      yield* Stream.runDrain(tasks.hashSource(data, [algorithm]))
      speeds[algorithm] = bytes / (Math.max(performance.now() - started, 0.1) / 1000)
    }
    return speeds
  })
