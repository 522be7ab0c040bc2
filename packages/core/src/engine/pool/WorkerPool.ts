import { Clock, Deferred, Duration, Effect, Exit, Layer, Pool, type Schedule, Scope, Stream, SubscriptionRef } from "effect"
import type { Rpc, RpcGroup } from "effect/rpc"
import type { RpcClientError } from "effect/rpc/RpcClientError"
import type { Spawner, WorkerPlatform } from "effect/workers/Worker"
import { type WorkerError, workerError } from "../errors.js"
import * as Metrics from "../metrics/Metrics.js"
import { type BreakerOptions, makeCircuitBreaker } from "./CircuitBreaker.js"
import {
  type AnyClient,
  type AnyStreamTask,
  type AnyTask,
  countRetry,
  healthyPool,
  makeInlineClient,
  type Served,
  type TaskHints,
  typed,
  WorkerPool
} from "./poolService.js"
import { retrySchedule, retryTransient, retryTransientStream } from "./retryPolicy.js"
import { deadlineDuration, DEFAULT_STALL_TIMEOUT, defaultDeadline, type TaskPolicy } from "./TaskPolicy.js"

export {
  type GroupClient,
  healthyPool,
  type PoolClient,
  type PoolHealth,
  type Served,
  type TaskHints,
  WorkerPool
} from "./poolService.js"
export { layerInline } from "./inlinePool.js"

const isRpcClientError = (error: unknown): error is RpcClientError =>
  (error as { _tag?: unknown } | undefined)?._tag === "RpcClientError"

const isWorkerFailure = (error: unknown): error is WorkerError =>
  (error as { _tag?: unknown } | undefined)?._tag === "WorkerError"

const isCrash = (error: unknown) => isWorkerFailure(error) && error.reason.kind === "crashed"

/** A failure of the RPC client is a failure of its worker: it crashed or could not start. */
const crashed = (error: RpcClientError) =>
  workerError(error.message, error.reason._tag === "WorkerSpawnError" ? "spawn" : "crashed")

const call = (client: AnyClient, task: AnyTask) =>
  task(client).pipe(Effect.catchIf(isRpcClientError, (error) => Effect.fail(crashed(error))))

const callStream = (client: AnyClient, task: AnyStreamTask) =>
  task(client).pipe(Stream.catchIf(isRpcClientError, (error) => Stream.fail(crashed(error))))

/**
 * The RPC client over a worker and its protocol, loaded with the first worker a pool
 * starts: a run that needs none (a derivation on libuv's threads, a job the cache answers,
 * a small job done on the calling thread) never evaluates it, nor the HTTP, socket and
 * worker modules it brings.
 */
const loadRpcClient = Effect.promise(() => import("effect/rpc/RpcClient"))

// --- Supervised workers ------------------------------------------------------------------

/** Anything a pool can stop at once: a worker_threads `Worker`, a DOM `Worker`. */
export interface Terminable {
  terminate(): unknown
}

export interface SupervisionOptions {
  /** Most workers at once; `minWorkers` start with the pool, more only when tasks wait. */
  readonly size: number
  /**
   * Workers started with the pool (default 1, so the first task does not wait for one);
   * 0 starts none until a task needs it, for a program whose job may be answered from
   * the cache without any.
   */
  readonly minWorkers?: number
  /** An extra worker idle this long retires. */
  readonly idleTimeout?: Duration.Input
  /** The longest a task reading `bytes` may take before its worker counts as hung (`Deadline.bytes`). */
  readonly deadline?: (bytes: number) => Duration.Input
  /** The longest a streamed task whose policy says `stall: "pool"` may go without an event. */
  readonly stallTimeout?: Duration.Input
  readonly breaker?: BreakerOptions
  /** How transient failures are retried; the default backs off from 50 ms and gives up after 4 s. */
  readonly retry?: Schedule.Schedule<unknown, unknown>
  /**
   * A task whose worker crashed under it is retried at once on the calling thread, which
   * no worker crash can reach, while the pool starts the replacement for the next tasks.
   * The task neither waits for a worker to boot nor risks a second crash; a kernel that
   * cannot save its state (node:crypto) would otherwise restart the file on every crash.
   * Right where the calling thread is idle during a job (the CLI, the library in Node);
   * off by default, so a page's main thread only runs work when the breaker is open.
   * Only tasks whose policy allows a fallback.
   */
  readonly retryCrashedInline?: boolean
  /**
   * A job that reads at most this many bytes in all runs on the calling thread while no
   * worker is up: starting one (~60-80 ms in Node) would cost more than the work. Off by
   * default; the CLI, whose main thread is idle during a job, sets 16 MiB.
   */
  readonly inlineJobsBelow?: number
  /** The longest a new worker may take to answer `Ready` before it counts as failed to start. */
  readonly startTimeout?: Duration.Input
  /**
   * Tasks a worker is given at once (default 1). With 2, a worker holds its next task while
   * the answer to the one before crosses to the calling thread, so it never waits for the
   * round trip: for an operation whose tasks are many and alike, each run in turn on the
   * worker (keygen's batches, whose handler runs them in turn). Each task's deadline
   * counts from when it is sent, its wait behind the other included.
   */
  readonly tasksPerWorker?: number
}

/** A worker that has not started in this long will not (a crash in its module, a forbidden script). */
export const DEFAULT_START_TIMEOUT = Duration.seconds(30)

export interface WorkerPlatformOptions<W extends Terminable> extends SupervisionOptions {
  /** Starts a worker; the pool keeps it to terminate it when it hangs or the pool closes. */
  readonly spawn: (id: number) => W
  /** The environment's worker platform over a spawn function (worker_threads, Web Workers). */
  readonly platform: (spawn: (id: number) => W) => Layer.Layer<WorkerPlatform | Spawner>
  /**
   * Calls `died` when the worker ends or fails on its own (an "exit" or "error" event). The
   * protocol only hears of a death while a request is in flight; a worker that dies while
   * starting would otherwise hold the task sent to it until the protocol restarts it.
   */
  readonly watch?: (worker: W, died: (why: string) => void) => void
}

interface Slot {
  readonly client: AnyClient
  /** Fails with a crash when the worker dies on its own. */
  readonly died: Deferred.Deferred<never, WorkerError>
  /** Stops the worker at once, whatever it is doing. */
  readonly kill: () => void
  /** Tasks the worker is on now. */
  busy: number
  /** Tasks this worker completed: one that never completed any may be unable to run at all. */
  served: number
}

/**
 * Up to `size` workers, each running one task at a time, supervised: a worker that
 * crashes or misses its task's deadline is terminated and replaced, and an idempotent task
 * is tried again (exponential backoff, jitter, under 5 s in all) on a healthy one.
 * Repeated worker failures open a circuit breaker that sends tasks that allow it to the
 * calling thread until a trial task succeeds on a worker again. Permanent failures (a
 * missing file, an operation's own errors) are never retried.
 */
export const layerWorkers = <W extends Terminable, Rpcs extends Rpc.Any, R>(
  options: WorkerPlatformOptions<W> & Served<Rpcs, R>
): Layer.Layer<WorkerPool, never, R> =>
  Layer.effect(WorkerPool)(Effect.gen(function*() {
    const fallback = yield* makeInlineClient(options.group)
    const breaker = yield* makeCircuitBreaker(options.breaker)
    const health = yield* SubscriptionRef.make(healthyPool)
    const counted = { restarts: Metrics.restarts, timeouts: undefined, fallbackTasks: Metrics.fallbackTasks }
    const count = (key: "restarts" | "timeouts" | "fallbackTasks") =>
      Effect.andThen(
        SubscriptionRef.update(health, (h) => ({ ...h, [key]: h[key] + 1 })),
        counted[key] === undefined ? Effect.void : Metrics.record(counted[key], 1)
      )
    yield* SubscriptionRef.changes(breaker.state).pipe(
      Stream.runForEach((state) =>
        Effect.andThen(
          SubscriptionRef.update(health, (h) => ({ ...h, breaker: state })),
          Metrics.record(Metrics.breaker, state._tag === "closed" ? 0 : state._tag === "half-open" ? 1 : 2)
        )
      ),
      Effect.forkScoped
    )
    const bytesDeadline = options.deadline ?? defaultDeadline
    const poolStall = options.stallTimeout ?? DEFAULT_STALL_TIMEOUT
    const schedule = options.retry ?? retrySchedule
    const crashRetry = options.retryCrashedInline === true
    const startTimeout = Duration.fromInputUnsafe(options.startTimeout ?? DEFAULT_START_TIMEOUT)
    const tasksPerWorker = Math.max(1, Math.floor(options.tasksPerWorker ?? 1))
    if (!options.group.requests.has("Ready")) throw new Error("the pool's group must include the engine's (EngineRpcs)")
    let nextId = 0
    let liveWorkers = 0
    /** A small job, and no worker up to take it: the calling thread does it sooner. */
    const inline = (policy: TaskPolicy, hints: TaskHints | undefined) =>
      policy.fallback && options.inlineJobsBelow !== undefined && liveWorkers === 0 && hints?.jobBytes !== undefined &&
      hints.jobBytes <= options.inlineJobsBelow

    const acquireSlot = Effect.gen(function*() {
      const RpcClientModule = yield* loadRpcClient
      const scope = yield* Effect.scope
      let worker: W | undefined
      const died = Deferred.makeUnsafe<never, WorkerError>()
      const spawnOne = () => {
        worker = options.spawn(nextId++)
        options.watch?.(worker, (why) => Deferred.doneUnsafe(died, Exit.fail(workerError(why, "crashed"))))
        return worker
      }
      const protocol = yield* Layer.buildWithScope(
        RpcClientModule.layerProtocolWorker({ size: 1, concurrency: tasksPerWorker }).pipe(Layer.provide(options.platform(spawnOne))),
        scope
      )
      const client: AnyClient = yield* RpcClientModule.make(options.group).pipe(Effect.provideContext(protocol))
      // The worker is ready when it answers; only then do task deadlines start.
      yield* (client.Ready() as Effect.Effect<void, RpcClientError>).pipe(
        Effect.raceFirst(Deferred.await(died)),
        Effect.timeoutOrElse({
          duration: startTimeout,
          orElse: () => Effect.fail(workerError(`not ready within ${Duration.format(startTimeout)}`, "spawn"))
        })
      )
      const slot: Slot = { client, died, kill: () => void worker?.terminate(), busy: 0, served: 0 }
      liveWorkers++
      yield* Metrics.adjust(Metrics.workers, 1)
      yield* Scope.addFinalizer(scope, Effect.andThen(Effect.sync(() => liveWorkers--), Metrics.adjust(Metrics.workers, -1)))
      // Runs before the platform's graceful close: a worker busy in a long read would
      // only see the close message when done, so it is stopped outright.
      yield* Scope.addFinalizer(scope, Effect.sync(() => slot.busy > 0 && slot.kill()))
      return slot
    }).pipe(
      Effect.mapError((error) => isWorkerFailure(error) ? error : workerError(error.message, "spawn"))
    )

    const pool = yield* Pool.makeWithTTL({
      acquire: acquireSlot,
      min: Math.min(options.minWorkers ?? 1, options.size),
      max: options.size,
      concurrency: tasksPerWorker,
      timeToLive: options.idleTimeout ?? "30 seconds"
    })

    /**
     * A worker that failed is stopped and replaced. The breaker hears only of workers that
     * failed before completing anything: that is what a page that forbids workers, or a
     * kernel that cannot start, looks like. A worker that served and then died is replaced
     * without doubting the others.
     */
    const retire = (slot: Slot, error: unknown) =>
      Effect.gen(function*() {
        if (!isWorkerFailure(error)) return
        slot.kill()
        yield* Pool.invalidate(pool, slot)
        yield* count("restarts")
        if (error.reason.kind === "timeout") yield* count("timeouts")
        if (slot.served === 0) yield* breaker.onFailure(error.reason.message)
      })

    const served = (slot: Slot) =>
      Effect.suspend(() => {
        slot.served++
        return breaker.onSuccess
      })

    /** A worker that could not even start counts against the breaker like one that crashed. */
    const getSlot = Pool.get(pool).pipe(
      Effect.tapError((error) => Effect.andThen(count("restarts"), breaker.onFailure(error.reason.message))),
      // Waiting for a worker is the queue the metrics show.
      (get) => Effect.acquireUseRelease(Metrics.adjust(Metrics.queueDepth, 1), () => get, () => Metrics.adjust(Metrics.queueDepth, -1))
    )

    /** A worker's time on a task: its busy time, and the task's latency. */
    const spent = (started: number) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.andThen(Metrics.record(Metrics.busyMs, now - started), Metrics.record(Metrics.taskMs, now - started)))

    const failureOf = (exit: Exit.Exit<unknown, unknown>) =>
      Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined

    const onWorker = (policy: TaskPolicy, task: AnyTask) =>
      Effect.scoped(Effect.gen(function*() {
        const slot = yield* getSlot
        const limit = deadlineDuration(policy.deadline, bytesDeadline)
        const started = yield* Clock.currentTimeMillis
        slot.busy++
        const raced = call(slot.client, task).pipe(Effect.raceFirst(Deferred.await(slot.died)))
        const exit = yield* (limit === undefined ? raced : raced.pipe(
          Effect.timeoutOrElse({
            duration: limit,
            orElse: () => Effect.fail(workerError(`no answer within ${Duration.format(limit)}`, "timeout"))
          })
        )).pipe(Effect.exit)
        slot.busy--
        yield* spent(started)
        if (Exit.isSuccess(exit)) yield* served(slot)
        else {
          const failure = failureOf(exit)
          if (failure !== undefined) yield* retire(slot, failure.error)
        }
        return yield* exit
      }))

    const streamOnWorker = (policy: TaskPolicy, task: AnyStreamTask) =>
      Stream.unwrap(Effect.gen(function*() {
        const slot = yield* getSlot
        const started = yield* Clock.currentTimeMillis
        slot.busy++
        const events = callStream(slot.client, task).pipe(Stream.interruptWhen(Deferred.await(slot.died)))
        const stall = policy.stall === "pool" ? poolStall : policy.stall
        const guarded = stall === undefined ? events : events.pipe(
          Stream.timeoutOrElse({
            duration: stall,
            orElse: () =>
              Stream.fail(workerError(`no progress for ${Duration.format(Duration.fromInputUnsafe(stall))}`, "timeout"))
          })
        )
        return guarded.pipe(
          Stream.onExit((exit) => {
            slot.busy--
            if (Exit.isSuccess(exit)) return Effect.andThen(spent(started), served(slot))
            const failure = failureOf(exit)
            return Effect.andThen(spent(started), failure ? retire(slot, failure.error) : Effect.void)
          })
        )
      })).pipe(Stream.scoped)

    const run = (policy: TaskPolicy, task: AnyTask, hints?: TaskHints): Effect.Effect<unknown, unknown> => {
      const onFallback = Effect.andThen(count("fallbackTasks"), call(fallback, task))
      if (inline(policy, hints)) return policy.idempotent ? retryTransient(call(fallback, task), schedule) : call(fallback, task)
      if (!policy.fallback) {
        const onWorkers = onWorker(policy, task)
        return policy.idempotent ? retryTransient(onWorkers.pipe(Effect.tapError(countRetry(health))), schedule) : onWorkers
      }
      const onWorkers = crashRetry
        ? onWorker(policy, task).pipe(
          Effect.catchIf(isCrash, (error) => Effect.andThen(countRetry(health)(error), onFallback))
        )
        : onWorker(policy, task)
      // One attempt: on a worker while the breaker allows, on the calling thread otherwise.
      const attempt = Effect.flatMap(breaker.allow, (allowed) => allowed ? onWorkers : onFallback)
      if (!policy.idempotent) return attempt
      // Retried while transient; when the retries run out on worker failures, the task
      // runs once more on this thread, so a job whose workers cannot run still finishes.
      return retryTransient(attempt.pipe(Effect.tapError(countRetry(health))), schedule).pipe(
        Effect.catchIf(isWorkerFailure, () => onFallback)
      )
    }

    const stream = (policy: TaskPolicy, task: AnyStreamTask, hints?: TaskHints): Stream.Stream<unknown, unknown> => {
      const inlineStream = Stream.suspend(() => callStream(fallback, task))
      if (inline(policy, hints)) return policy.idempotent ? retryTransientStream(inlineStream, schedule) : inlineStream
      const onWorkers = Stream.suspend(() => streamOnWorker(policy, task))
      if (!policy.fallback) {
        return policy.idempotent
          ? retryTransientStream(onWorkers.pipe(Stream.tapError(countRetry(health))), schedule)
          : onWorkers
      }
      const onFallback = Stream.unwrap(Effect.as(count("fallbackTasks"), inlineStream))
      const attempt = Stream.unwrap(Effect.map(breaker.allow, (allowed) =>
        !allowed ? onFallback : crashRetry
          ? onWorkers.pipe(Stream.catchIf(isCrash, (error) => Stream.unwrap(Effect.as(countRetry(health)(error), onFallback))))
          : onWorkers
      ))
      if (!policy.idempotent) return attempt
      return retryTransientStream(attempt.pipe(Stream.tapError(countRetry(health))), schedule).pipe(
        Stream.catchIf(isWorkerFailure, () => onFallback)
      )
    }

    return {
      size: options.size,
      kind: "workers" as const,
      health,
      client: typed(options.group as unknown as RpcGroup.RpcGroup<Rpc.Any>, run, stream)
    }
  })).pipe(Layer.provide(options.handlers)) as Layer.Layer<WorkerPool, never, R>
