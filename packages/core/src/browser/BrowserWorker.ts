/**
 * The parent's side of Effect's worker protocol over Web Workers. `@effect/platform-browser`
 * has no release for effect 4.1 (EFFECT-NOTES.md), so this is written the way `NodeWorker`
 * of `@effect/platform-node` is, against `effect/workers/Worker`.
 *
 * A Web Worker has no "exit" event, so `BrowserWorkerRunner` answers the close message with
 * `[CLOSED]` once its layers are released: closing a pool takes a round trip, not a timeout.
 * A worker that never answers (another runner, a hung handler) is terminated after
 * `CLOSE_TIMEOUT`.
 */
import { Deferred, Effect, Exit, Layer, Scope } from "effect"
import * as Worker from "effect/workers/Worker"
import { WorkerError, WorkerReceiveError, WorkerSpawnError } from "effect/workers/WorkerError"

/** What the pool needs of a DOM `Worker`; `new Worker(url, { type: "module" })` is one. */
export interface WorkerLike {
  postMessage(message: unknown, transfer: Array<any>): void
  terminate(): void
  addEventListener(
    type: "message" | "messageerror" | "error",
    listener: (event: { readonly data?: unknown; readonly message?: string }) => void
  ): void
}

/** The close message of Effect's runner protocol (`WorkerRunner.PlatformMessage`). */
export const CLOSE = 1
/** A runner's last message: it has released its layers and closed itself. */
export const CLOSED = 2
export const CLOSE_TIMEOUT = "5 seconds"

export const isClosed = (data: unknown): boolean => Array.isArray(data) && data.length === 1 && data[0] === CLOSED

/** A spawn function that threw (a bad URL, a page policy refusing workers): a WorkerError, not a defect. */
class SpawnFailed {
  constructor(readonly cause: unknown) {}
}

const receiveError = (message: string, cause?: unknown) =>
  Exit.fail(new WorkerError({ reason: new WorkerReceiveError({ message, cause }) }))

/** Web Workers as Effect's `WorkerPlatform`: errors and undecodable messages fail the worker. */
export const layerPlatform: Layer.Layer<Worker.WorkerPlatform> = Layer.succeed(Worker.WorkerPlatform)(
  Worker.makePlatform<WorkerLike | SpawnFailed>()({
    setup({ scope, worker }) {
      if (worker instanceof SpawnFailed) {
        return Effect.fail(
          new WorkerError({
            reason: new WorkerSpawnError({ message: "The Web Worker could not be created", cause: worker.cause })
          })
        )
      }
      // Settled when there is nothing left to wait for: the runner said it closed, or the worker failed.
      const ended = Deferred.makeUnsafe<void>()
      worker.addEventListener("message", (event) => {
        if (isClosed(event.data)) Deferred.doneUnsafe(ended, Exit.void)
      })
      worker.addEventListener("error", () => {
        Deferred.doneUnsafe(ended, Exit.void)
      })
      // A terminated Web Worker fires no event at all. The pool terminates a worker that
      // crashed or hung before it lets it go, and must not then wait CLOSE_TIMEOUT for an
      // answer that cannot come: terminating settles `ended` too.
      const terminate = worker.terminate.bind(worker)
      worker.terminate = () => {
        terminate()
        Deferred.doneUnsafe(ended, Exit.void)
      }
      const close = Effect.suspend(() => {
        worker.postMessage([CLOSE], [])
        return Deferred.await(ended)
      }).pipe(
        Effect.timeoutOption(CLOSE_TIMEOUT),
        Effect.ignore,
        Effect.ensuring(Effect.sync(() => worker.terminate()))
      )
      return Effect.as(Scope.addFinalizer(scope, close), {
        worker,
        postMessage(message: unknown, transfers?: ReadonlyArray<unknown>) {
          worker.postMessage(message, transfers === undefined ? [] : [...transfers])
        }
      })
    },
    listen({ deferred, emit, port }) {
      port.worker.addEventListener("message", (event) => {
        if (isClosed(event.data)) {
          // Expected after our close message; before it, the worker ended on its own.
          Deferred.doneUnsafe(deferred, receiveError("The worker has closed"))
        } else {
          emit(event.data)
        }
      })
      port.worker.addEventListener("messageerror", (event) => {
        Deferred.doneUnsafe(deferred, receiveError("A messageerror event was emitted", event))
      })
      port.worker.addEventListener("error", (event) => {
        // A module that failed to load or an uncaught exception: the worker is in no state to serve.
        Deferred.doneUnsafe(
          deferred,
          receiveError(`An error event was emitted${event.message ? `: ${event.message}` : ""}`, event)
        )
      })
      return Effect.void
    }
  })
)

/** The platform with a `Spawner` from `spawn`, e.g. `(id) => new Worker(url, { type: "module" })`. */
export const layer = (spawn: (id: number) => WorkerLike): Layer.Layer<Worker.WorkerPlatform | Worker.Spawner> =>
  Layer.merge(
    Worker.layerSpawner((id: number): WorkerLike | SpawnFailed => {
      try {
        return spawn(id)
      } catch (cause) {
        return new SpawnFailed(cause)
      }
    }),
    layerPlatform
  )
