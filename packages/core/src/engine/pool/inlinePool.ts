/**
 * The pool on the calling thread (`layerInline`): every task run by its handlers here, with
 * the deadlines, retries and typed errors of a worker's. It needs none of the supervised
 * workers' machinery, nor Effect's Schema (WorkerPool.ts has both).
 */
import { Duration, Effect, Layer, Stream, SubscriptionRef } from "effect"
import type { Rpc, RpcGroup } from "effect/rpc"
import type { WorkerError } from "../errors.js"
import { countRetry, healthyPool, makeInlineClient, type Served, typed, WorkerPool } from "./poolService.js"
import { retryTransient, retryTransientStream } from "./retryPolicy.js"
import { deadlineDuration, type TaskPolicy } from "./TaskPolicy.js"

/**
 * A task on the calling thread, held to its deadline as a worker's would be. Only a task
 * that yields can be stopped by it: one whose kernel runs off this thread (node:crypto's
 * KDFs on libuv's thread pool) or in slices; a blocking one is over before the timer fires.
 */
const withinDeadline = <A, E>(policy: TaskPolicy, effect: Effect.Effect<A, E>): Effect.Effect<A, E | WorkerError> => {
  const limit = deadlineDuration(policy.deadline)
  return limit === undefined ? effect : effect.pipe(
    Effect.timeoutOrElse({
      duration: limit,
      // errors.ts (Schema's classes) loads only when a task runs late.
      orElse: () =>
        Effect.flatMap(Effect.promise(() => import("../errors.js")), ({ workerError }) =>
          Effect.fail(workerError(`no answer within ${Duration.format(limit)}`, "timeout"))
        )
    })
  )
}

/**
 * The handlers on the calling thread: for tests, tiny inputs and where workers cannot be
 * had. A transient failure (a busy file) of an idempotent task is retried here too, and
 * each attempt is held to the task's deadline (`withinDeadline`).
 */
export const layerInline = <Rpcs extends Rpc.Any, R>(served: Served<Rpcs, R>): Layer.Layer<WorkerPool, never, R> =>
  Layer.effect(WorkerPool)(Effect.gen(function*() {
    const inline = yield* makeInlineClient(served.group)
    const health = yield* SubscriptionRef.make(healthyPool)
    const retried = <A, E>(policy: TaskPolicy, effect: Effect.Effect<A, E>) =>
      policy.idempotent ? retryTransient(effect.pipe(Effect.tapError(countRetry(health)))) : effect
    return {
      size: 1,
      kind: "inline" as const,
      health,
      client: typed(
        served.group as unknown as RpcGroup.RpcGroup<Rpc.Any>,
        (policy, task) => retried(policy, withinDeadline(policy, Effect.suspend(() => task(inline)))),
        (policy, task) =>
          policy.idempotent
            ? retryTransientStream(Stream.suspend(() => task(inline)).pipe(Stream.tapError(countRetry(health))))
            : Stream.suspend(() => task(inline))
      )
    }
  })).pipe(Layer.provide(served.handlers)) as Layer.Layer<WorkerPool, never, R>

