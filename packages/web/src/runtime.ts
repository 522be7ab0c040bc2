import {
  BrowserByteSource,
  type CacheStats,
  cacheLayer,
  type HashAlgorithm,
  layerAuto,
  layerScheduler,
  metricsSampler,
  metricsSnapshot,
  PoolChoice,
  type PoolHealth,
  ResultCache,
  WorkerPool
} from "@sluice/core/browser"
import { Effect, Fiber, Layer, ManagedRuntime, Stream, SubscriptionRef } from "effect"
import type { HashJobs } from "./jobs/HashJobs.js"
import { calibrate } from "./performance/calibrate.js"
import type { MonitorSources, PoolFacts } from "./performance/PerformanceMonitor.js"

/**
 * The web app's one composition root (STYLE.md): a Web Worker pool that opens each `File`
 * itself, or the same handlers on the main thread where module workers or WASM are missing;
 * the result cache (memory, then IndexedDB), which jobs use unless the person turned it
 * off; Effect's scheduler for pages, so that a job of many files does not wait 4 ms
 * for each; and the page's metrics sampler (main-thread long tasks, the JS heap), whose
 * figures land in the runtime's metrics with the pool's.
 */
export const makeRuntime = () =>
  ManagedRuntime.make(
    layerAuto({
      spawn: () => new Worker(new URL("./worker.ts", import.meta.url), { type: "module" })
    }).pipe(
      Layer.provideMerge(nextTaskLayer),
      Layer.provideMerge(Layer.mergeAll(cacheLayer(), layerScheduler, metricsSampler()))
    )
  )

/**
 * Built in a later task of the event loop: the pool (its workers, their RPC clients) after
 * the cache, the scheduler and the sampler, so that building the runtime at page load
 * takes two tasks, not one of ~12 ms of CPU (Chromium traces at load 10).
 */
const nextTaskLayer: Layer.Layer<never> = Layer.effectDiscard(Effect.promise(BrowserByteSource.nextTask))

export type AppRuntime = ReturnType<typeof makeRuntime>

/** What the Settings panel does with the result cache. */
export interface CacheControl {
  /** Writes what is buffered first, so the figures include the job that just ended. */
  readonly stats: () => Promise<CacheStats>
  readonly clear: () => Promise<void>
  /** Drops entries of other versions and what exceeds the limits; resolves to how many went. */
  readonly prune: () => Promise<number>
}

export const cacheControl = (runtime: Pick<AppRuntime, "runPromise">): CacheControl => {
  const withCache = <A>(use: (cache: ResultCache.ResultCache["Service"]) => Effect.Effect<A>) =>
    runtime.runPromise(Effect.flatMap(Effect.service(ResultCache.ResultCache), use))
  return {
    stats: () => withCache((cache) => Effect.andThen(cache.flush, cache.stats)),
    clear: () => withCache((cache) => cache.clear),
    prune: () => withCache((cache) => cache.prune)
  }
}

/**
 * Writes the cache's buffered results when the page is hidden or goes away: IndexedDB
 * finishes a transaction begun then, and otherwise up to 250 ms of results would be lost.
 */
export const flushCacheOnHide = (runtime: Pick<AppRuntime, "runFork">): void => {
  const flush = () => void runtime.runFork(Effect.flatMap(Effect.service(ResultCache.ResultCache), (cache) => cache.flush))
  addEventListener("pagehide", flush)
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") flush()
  })
}

/**
 * Builds the pool now (so the first file does not wait for a worker to start) and says
 * where hashing runs, for the page to show.
 */
export const describePool = (runtime: AppRuntime): Promise<string> =>
  runtime.runPromise(Effect.gen(function*() {
    const choice = yield* PoolChoice
    return `${choice.detail} (${choice.kernel === "wasm" ? "WebAssembly" : "JavaScript"} kernels).`
  })).catch((error: unknown) =>
    `The hashing workers could not start (${error instanceof Error ? error.message : String(error)}).`
  )

/**
 * Calls `listener` with the pool's health (breaker state, restarts, retries) whenever it
 * changes; returns the function that stops listening.
 */
export const subscribePoolHealth = (
  runtime: AppRuntime,
  listener: (health: PoolHealth) => void
): () => void => {
  const fiber = runtime.runFork(Effect.gen(function*() {
    const pool = yield* WorkerPool
    yield* SubscriptionRef.changes(pool.health).pipe(Stream.runForEach((health) => Effect.sync(() => listener(health))))
  }))
  return () => void runtime.runFork(Fiber.interrupt(fiber))
}

/** What the Performance view reads: core's metrics and pool, the jobs' activity, speeds measured on a worker. */
export const performanceSources = (runtime: AppRuntime, jobs: Pick<HashJobs, "activity" | "getSnapshot">): MonitorSources => ({
  snapshot: () => runtime.runPromise(metricsSnapshot),
  activity: jobs.activity,
  pool: () =>
    runtime.runPromise(Effect.gen(function*() {
      const choice = yield* PoolChoice
      const pool = yield* WorkerPool
      return { kind: pool.kind, size: pool.size, kernel: choice.kernel } satisfies PoolFacts
    })),
  algorithms: () => {
    const used = new Set<HashAlgorithm>()
    for (const row of jobs.getSnapshot().rows) for (const algorithm of row.algorithms) used.add(algorithm)
    return [...used]
  },
  calibrate: (algorithms) => runtime.runPromise(calibrate(algorithms))
})
