import { layerAuto, PoolChoice, type PoolHealth, WorkerPool } from "@sluice/core/browser"
import { Effect, Fiber, ManagedRuntime, Stream, SubscriptionRef } from "effect"

/**
 * The web app's one composition root (STYLE.md): a Web Worker pool that opens each `File`
 * itself, or the same handlers on the main thread where module workers or WASM are missing.
 */
export const makeRuntime = () =>
  ManagedRuntime.make(layerAuto({
    spawn: () => new Worker(new URL("./worker.ts", import.meta.url), { type: "module" })
  }))

/**
 * Builds the pool now (so the first file does not wait for a worker to start) and says
 * where hashing runs, for the page to show.
 */
export const describePool = (runtime: ReturnType<typeof makeRuntime>): Promise<string> =>
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
  runtime: ReturnType<typeof makeRuntime>,
  listener: (health: PoolHealth) => void
): () => void => {
  const fiber = runtime.runFork(Effect.gen(function*() {
    const pool = yield* WorkerPool
    yield* SubscriptionRef.changes(pool.health).pipe(Stream.runForEach((health) => Effect.sync(() => listener(health))))
  }))
  return () => void runtime.runFork(Fiber.interrupt(fiber))
}
