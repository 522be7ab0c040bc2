/**
 * Derivations of the Derive tool: each one task on a Web Worker of the app's pool, with
 * the CPU-time deadline core gives it (`derivePolicy`), and never on the main thread: the
 * policy's fallback to the calling thread is turned off, and a page whose pool is not
 * made of workers (no module workers, no WebAssembly) is refused. Every parameter is
 * checked by core's `validateDerive` before anything is sent. The key is the caller's:
 * nothing here keeps, logs or caches it, and the copy of the password sent is wiped by
 * the worker once used.
 */
import {
  type Calibration,
  calibrate,
  type CalibrateOptions,
  copyParams,
  type DeriveLimitsOptions,
  type DeriveParams,
  derivePolicy,
  DeriveRpcs,
  validateDerive,
  WorkerPool
} from "@sluice/core/browser"
import { Data, Effect } from "effect"

/** The most memory a derivation in a page may use: well under what a tab can hold and a 32-bit WebAssembly kernel can address. */
export const PAGE_MEMORY_CEILING = 1024 * 1024 * 1024

export class NoWorkers extends Data.TaggedError("NoWorkers")<{}> {
  override get message() {
    return "Derivations run only on Web Workers, and this page has none (no module workers, or WebAssembly is refused): nothing was derived"
  }
}

const onWorkers = Effect.gen(function*() {
  const pool = yield* WorkerPool
  if (pool.kind !== "workers") return yield* Effect.fail(new NoWorkers())
  return pool
})

export const deriveOnWorker = (params: DeriveParams, limits: DeriveLimitsOptions = { maxMemoryBytes: PAGE_MEMORY_CEILING }) =>
  Effect.gen(function*() {
    yield* validateDerive(params, limits)
    const pool = yield* onWorkers
    const { key } = yield* pool.client(DeriveRpcs).run(
      { ...derivePolicy(params), fallback: false },
      (client) => client.Derive({ params: copyParams(params) })
    )
    return key
  })

/** Core's calibration (real derivations on the pool's workers, with stand-in password and salt). */
export const calibrateOnWorker = (options: CalibrateOptions): Effect.Effect<Calibration, unknown, WorkerPool> =>
  Effect.andThen(onWorkers, calibrate({ ...options, maxMemoryBytes: Math.min(options.maxMemoryBytes ?? PAGE_MEMORY_CEILING, PAGE_MEMORY_CEILING) }))
