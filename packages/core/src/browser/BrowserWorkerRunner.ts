/**
 * The worker's side of Effect's worker protocol inside a dedicated Web Worker, the
 * counterpart of `BrowserWorker` (and of `NodeWorkerRunner` in `@effect/platform-node`).
 *
 * On the close message the runner interrupts its handlers, tells the parent `[CLOSED]` and
 * closes the worker: a Web Worker, unlike a worker thread, never ends by running out of work.
 * The parent terminates it on that answer instead of waiting out a timeout.
 */
import { Cause, Deferred, Effect, Exit, Fiber, Layer, Scope } from "effect"
import { WorkerError, WorkerReceiveError, WorkerSpawnError } from "effect/workers/WorkerError"
import * as WorkerRunner from "effect/workers/WorkerRunner"
import { CLOSED } from "./BrowserWorker.js"

type Listener = (event: { readonly data: unknown }) => void

/** The parts of `DedicatedWorkerGlobalScope` the runner uses. */
interface DedicatedWorkerScope {
  postMessage(message: unknown, transfer?: Array<unknown>): void
  addEventListener(type: "message" | "messageerror", listener: Listener): void
  removeEventListener(type: "message" | "messageerror", listener: Listener): void
  close(): void
}

/** `self` when this code runs in a dedicated worker (not a window, not a shared or service worker). */
const dedicatedWorkerScope = (): DedicatedWorkerScope | undefined =>
  "DedicatedWorkerGlobalScope" in globalThis ? globalThis as unknown as DedicatedWorkerScope : undefined

/** Tells the parent this worker is done, then ends it; outside a dedicated worker, nothing. */
export const closeWorker: Effect.Effect<void> = Effect.sync(() => {
  const self = dedicatedWorkerScope()
  if (self === undefined) return
  self.postMessage([CLOSED])
  self.close()
})

const start = <O, I>() =>
  Effect.gen(function*() {
    const self = dedicatedWorkerScope()
    if (self === undefined) {
      return yield* new WorkerError({ reason: new WorkerSpawnError({ message: "not in a dedicated Web Worker" }) })
    }
    const sendUnsafe = (_portId: number, message: O, transfers?: ReadonlyArray<unknown>) =>
      self.postMessage([1, message], transfers === undefined || transfers.length === 0 ? undefined : [...transfers])
    const send = (portId: number, message: O, transfers?: ReadonlyArray<unknown>) =>
      Effect.sync(() => sendUnsafe(portId, message, transfers))

    const run = <A, E, R>(handler: (portId: number, message: I) => Effect.Effect<A, E, R> | void) =>
      Effect.scopedWith(Effect.fnUntraced(function*(scope) {
        // Added first, so run last: after the handlers are interrupted and the listeners removed.
        yield* Scope.addFinalizer(scope, closeWorker)
        const closed = Deferred.makeUnsafe<void, WorkerError>()
        const track = Fiber.runIn(scope)
        const runFork = Effect.runForkWith(yield* Effect.context<R>())
        const logFailure = (exit: Exit.Exit<A, E>) => {
          if (Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause)) {
            runFork(Effect.logError("unhandled error in worker", exit.cause))
          }
        }
        const onMessage: Listener = ({ data }) => {
          const message = data as WorkerRunner.PlatformMessage<I>
          if (message[0] === 1) {
            Deferred.doneUnsafe(closed, Exit.void)
            return
          }
          const result = handler(0, message[1])
          if (Effect.isEffect(result)) {
            const fiber = runFork(result)
            fiber.addObserver(logFailure)
            track(fiber)
          }
        }
        const onMessageError: Listener = (event) => {
          Deferred.doneUnsafe(
            closed,
            Exit.fail(new WorkerError({ reason: new WorkerReceiveError({ message: "received messageerror event", cause: event }) }))
          )
        }
        self.addEventListener("message", onMessage)
        self.addEventListener("messageerror", onMessageError)
        yield* Scope.addFinalizer(scope, Effect.sync(() => {
          self.removeEventListener("message", onMessage)
          self.removeEventListener("messageerror", onMessageError)
        }))
        // Ready: the parent sends what it buffered.
        self.postMessage([0])
        return yield* Deferred.await(closed)
      }))

    return { run, send, sendUnsafe } satisfies WorkerRunner.WorkerRunner<O, I>
  })

/** Serves the parent of this dedicated worker until it sends the close message. */
export const layer: Layer.Layer<WorkerRunner.WorkerRunnerPlatform> = Layer.succeed(WorkerRunner.WorkerRunnerPlatform)({
  start
})
