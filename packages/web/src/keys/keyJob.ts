/**
 * A key generation of the Keys tool on the app's worker pool: `generateKeyStream` (ordered,
 * in batches, memory bounded), its keys handed on in order and awaited (a slow
 * destination holds the pool back instead of keys piling up in the page), its progress
 * passed on at most every 100 ms, cancellable at any moment.
 */
import { type GeneratedKey, generateKeyStream, JobProgress, type KeyStreamRequest, WorkerPool } from "@sluice/core/browser"
import { Cause, Data, Effect, Exit, Fiber, Stream } from "effect"

export class NoKeyWorkers extends Data.TaggedError("NoKeyWorkers")<{}> {
  override get message() {
    return "Keys are made only on Web Workers, and this page has none (no module workers, or WebAssembly is refused): no key was made"
  }
}

export interface KeyProgress {
  readonly done: number
  readonly total: number
  readonly keysPerSecond: number
  /** Seconds left at the current rate, once there is one. */
  readonly secondsLeft: number | undefined
}

export type KeyJobOutcome =
  | { readonly _tag: "done"; readonly keys: number }
  | { readonly _tag: "cancelled" }
  | { readonly _tag: "failed"; readonly message: string }

export interface KeyJob {
  readonly outcome: Promise<KeyJobOutcome>
  readonly cancel: () => void
}

/** What runs an effect on the app's pool (the app's ManagedRuntime). */
export interface PoolRuntime {
  readonly runFork: <A, E>(effect: Effect.Effect<A, E, WorkerPool>) => Fiber.Fiber<A, unknown>
}

export interface KeyJobCallbacks {
  /** Each key, in order; the next waits for the promise. */
  readonly onKey: (key: GeneratedKey) => void | Promise<void>
  readonly onProgress: (progress: KeyProgress) => void
}

const PROGRESS_EVERY_MS = 100

export const progressOf = (event: JobProgress, total: number): KeyProgress => ({
  done: event.bytes,
  total,
  keysPerSecond: event.bytesPerSecond,
  secondsLeft: event.bytesPerSecond > 0 ? (total - event.bytes) / event.bytesPerSecond : undefined
})

/**
 * `workersOnly` (the app's setting) refuses a pool that is not made of workers, where key
 * generation (seconds of RSA) would hold the page's main thread.
 */
export const startKeyJob = (
  runtime: PoolRuntime,
  request: KeyStreamRequest,
  callbacks: KeyJobCallbacks,
  options: { readonly workersOnly?: boolean } = {}
): KeyJob => {
  let lastProgress = 0
  let done = 0
  const onWorkers = Effect.gen(function*() {
    const pool = yield* WorkerPool
    if (options.workersOnly !== false && pool.kind !== "workers") return yield* Effect.fail(new NoKeyWorkers())
  })
  const job = Effect.andThen(onWorkers, generateKeyStream(request).pipe(
    Stream.runForEach((event) => {
      if (event instanceof JobProgress) {
        const now = performance.now()
        if (now - lastProgress < PROGRESS_EVERY_MS && event.bytes < request.count) return Effect.void
        lastProgress = now
        return Effect.sync(() => callbacks.onProgress(progressOf(event, request.count)))
      }
      done++
      return Effect.promise(async () => callbacks.onKey(event))
    })
  ))
  const fiber = runtime.runFork(job)
  const outcome = new Promise<KeyJobOutcome>((resolve) => {
    fiber.addObserver((exit) => {
      if (Exit.isSuccess(exit)) return resolve({ _tag: "done", keys: done })
      if (Cause.hasInterruptsOnly(exit.cause)) return resolve({ _tag: "cancelled" })
      const error = Cause.squash(exit.cause)
      resolve({ _tag: "failed", message: error instanceof Error ? error.message : String(error) })
    })
  })
  return { outcome, cancel: () => void Effect.runFork(Fiber.interrupt(fiber)) }
}
