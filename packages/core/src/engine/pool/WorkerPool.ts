import { Clock, Context, Deferred, Duration, Effect, Exit, Layer, Pool, type Schedule, Scope, Stream, SubscriptionRef } from "effect"
import { RpcClient, type RpcGroup, RpcTest } from "effect/rpc"
import type { RpcClientError } from "effect/rpc/RpcClientError"
import type { Spawner, WorkerPlatform } from "effect/workers/Worker"
import type { HashAlgorithm } from "../../hash/HashAlgorithm.js"
import { type HashError, hashError, isTransient, WorkerFailure } from "../../hash/HashError.js"
import type { CheckpointRequest, Checkpointed, HashEvent } from "../../hash/HashEvent.js"
import type { Source } from "../Source.js"
import type { HashKernel } from "../../hash/kernels/HashKernel.js"
import type { ByteSource } from "../ByteSource.js"
import { type BreakerOptions, type BreakerState, makeCircuitBreaker } from "./CircuitBreaker.js"
import { HashHandlersLive } from "../../hash/handlers.js"
import { type BatchOutcome, HashRpcs } from "../../hash/HashRpcs.js"
import * as Metrics from "../metrics/Metrics.js"
import { retrySchedule, retryTransient, retryTransientStream } from "./retryPolicy.js"

export interface BatchItem {
  readonly source: Source
  readonly algorithms: ReadonlyArray<HashAlgorithm>
}

export interface Blake3SubtreeRequest {
  readonly source: Source
  readonly offset: number
  readonly length: number
  readonly startChunk: number
}

/** What a pipeline knows of the job a task belongs to, for the pool to place the task. */
export interface TaskHints {
  /** Bytes the whole job still has to read, when every size is known. */
  readonly jobBytes?: number | undefined
}

/** What the pool has lived through: the breaker, and counts a front end or metrics can show. */
export interface PoolHealth {
  readonly breaker: BreakerState
  /** Workers replaced after a crash or a missed deadline. */
  readonly restarts: number
  /** Tasks tried again after a transient failure. */
  readonly retries: number
  /** Tasks that ran past their deadline. */
  readonly timeouts: number
  /** Tasks that ran on the calling thread: while the breaker was open, or after their worker crashed. */
  readonly fallbackTasks: number
}

export const healthyPool: PoolHealth = {
  breaker: { _tag: "closed", failures: 0 },
  restarts: 0,
  retries: 0,
  timeouts: 0,
  fallbackTasks: 0
}

/**
 * Where heavy work runs. Every task is one request of the `HashRpcs` group; a layer
 * decides whether requests go to worker threads, Web Workers or the calling thread.
 */
export class WorkerPool extends Context.Service<WorkerPool, {
  /** How many tasks run at once; pipelines size their fan-out by it. */
  readonly size: number
  readonly kind: "workers" | "inline"
  /**
   * Progress, then the digests. With `checkpoint`, `Checkpointed` events too; a retry after
   * a crash starts from the latest of them instead of from the beginning.
   */
  readonly hashSource: (
    source: Source,
    algorithms: ReadonlyArray<HashAlgorithm>,
    checkpoint?: CheckpointRequest | undefined,
    hints?: TaskHints
  ) => Stream.Stream<HashEvent, HashError>
  readonly blake3Subtree: (request: Blake3SubtreeRequest) => Effect.Effect<Uint8Array, HashError>
  readonly sourceSize: (source: Source) => Effect.Effect<number | undefined, HashError>
  readonly sourceSizes: (sources: ReadonlyArray<Source>) => Effect.Effect<ReadonlyArray<number | undefined>, HashError>
  readonly hashBatch: (items: ReadonlyArray<BatchItem>, hints?: TaskHints) => Effect.Effect<ReadonlyArray<BatchOutcome>, HashError>
  /** Breaker state and recovery counts, live. */
  readonly health: SubscriptionRef.SubscriptionRef<PoolHealth>
}>()("@sluice/core/WorkerPool") {}

type Client = RpcClient.RpcClient<RpcGroup.Rpcs<typeof HashRpcs>, RpcClientError>
type Tasks = Omit<WorkerPool["Service"], "size" | "kind" | "health">

const isWorkerFailure = (error: HashError) => error.reason._tag === "WorkerFailure"
const isCrash = (error: HashError) => error.reason._tag === "WorkerFailure" && error.reason.kind === "crashed"

const crashed = (error: RpcClientError) =>
  hashError(
    new WorkerFailure({
      detail: error.message,
      kind: error.reason._tag === "WorkerSpawnError" ? "spawn" : "crashed"
    })
  )

/** The pool's requests over one RPC client; a failure of the client is a worker failure. */
const tasksOf = (client: Client): Tasks => ({
  hashSource: (source, algorithms, checkpoint) =>
    client.HashSource({
      source,
      algorithms,
      ...(checkpoint === undefined ? {} : { checkpointEvery: checkpoint.every }),
      ...(checkpoint?.from === undefined ? {} : { resume: checkpoint.from })
    }).pipe(
      Stream.catchTag("RpcClientError", (error) => Stream.fail(crashed(error)))
    ),
  blake3Subtree: (request) =>
    client.Blake3Subtree(request).pipe(
      Effect.map(({ cv }) => cv),
      Effect.catchTag("RpcClientError", (error) => Effect.fail(crashed(error)))
    ),
  sourceSize: (source) =>
    client.SourceSize({ source }).pipe(Effect.catchTag("RpcClientError", (error) => Effect.fail(crashed(error)))),
  sourceSizes: (sources) =>
    client.SourceSizes({ sources }).pipe(Effect.catchTag("RpcClientError", (error) => Effect.fail(crashed(error)))),
  hashBatch: (items) =>
    client.HashBatch({ items }).pipe(Effect.catchTag("RpcClientError", (error) => Effect.fail(crashed(error))))
})

/**
 * The latest checkpoint the attempts of one stream reached, so that the next attempt (a
 * retry, the fallback) starts there rather than from the beginning.
 */
const latestCheckpoint = (checkpoint: CheckpointRequest | undefined) => {
  let latest = checkpoint
  return {
    get: () => latest,
    track: (events: Stream.Stream<HashEvent, HashError>) =>
      events.pipe(Stream.tap((event) =>
        Effect.sync(() => {
          if (event._tag === "Checkpointed" && latest !== undefined) latest = { every: latest.every, from: event }
        })
      ))
  }
}

/** The handlers' client on the calling thread, as `layerInline` and the breaker's fallback use it. */
const makeInline = Effect.map(RpcTest.makeClient(HashRpcs), tasksOf)

/** Counts a failure that is about to be retried in the pool's health. */
const countRetry = (health: SubscriptionRef.SubscriptionRef<PoolHealth>) => (error: HashError) =>
  isTransient(error.reason)
    ? Effect.andThen(SubscriptionRef.update(health, (h) => ({ ...h, retries: h.retries + 1 })), Metrics.record(Metrics.retries, 1))
    : Effect.void

/**
 * The same handlers on the calling thread: for tests, tiny inputs and the fallback path.
 * A transient failure (a busy file) is retried here too.
 */
export const layerInline: Layer.Layer<WorkerPool, never, ByteSource | HashKernel> = Layer.effect(WorkerPool)(
  Effect.gen(function*() {
    const tasks = yield* makeInline
    const health = yield* SubscriptionRef.make(healthyPool)
    const retried = <A>(effect: Effect.Effect<A, HashError>) => retryTransient(effect.pipe(Effect.tapError(countRetry(health))))
    return {
      size: 1,
      kind: "inline" as const,
      health,
      hashSource: (source, algorithms, checkpoint) => {
        const latest = latestCheckpoint(checkpoint)
        return retryTransientStream(
          Stream.suspend(() => latest.track(tasks.hashSource(source, algorithms, latest.get()))).pipe(
            Stream.tapError(countRetry(health))
          )
        )
      },
      blake3Subtree: (request) => retried(tasks.blake3Subtree(request)),
      sourceSize: (source) => retried(tasks.sourceSize(source)),
      sourceSizes: (sources) => retried(tasks.sourceSizes(sources)),
      hashBatch: (items) => retried(tasks.hashBatch(items))
    } satisfies WorkerPool["Service"]
  })
).pipe(Layer.provide(HashHandlersLive))

// --- Supervised workers ------------------------------------------------------------------

/** Anything a pool can stop at once: a worker_threads `Worker`, a DOM `Worker`. */
export interface Terminable {
  terminate(): unknown
}

/** The slowest rate a healthy worker is allowed: below it, a task has hung. */
export const SLOWEST_HEALTHY_BYTES_PER_SECOND = 16 * 1024 * 1024
/** Every deadline includes this much for a worker's start and a busy machine. */
export const DEADLINE_BASE = Duration.seconds(2)
/** A streamed task that reports nothing for this long has hung (workers report every 100 ms). */
export const DEFAULT_STALL_TIMEOUT = Duration.seconds(5)
/** A batch of small files holds at most this many bytes (`hashFiles` plans them so). */
export const BATCH_DEADLINE_BYTES = 8 * 1024 * 1024

/** The deadline of a task of `bytes`: the base, plus the bytes at the slowest healthy rate. */
export const defaultDeadline = (bytes: number): Duration.Duration =>
  Duration.sum(DEADLINE_BASE, Duration.millis((bytes / SLOWEST_HEALTHY_BYTES_PER_SECOND) * 1000))

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
  /** The longest a task of `bytes` may take before its worker counts as hung. */
  readonly deadline?: (bytes: number) => Duration.Input
  /** The longest a streamed task may go without an event. */
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
   */
  readonly retryCrashedInline?: boolean
  /**
   * A job that reads at most this many bytes in all runs on the calling thread while no
   * worker is up: starting one (~60-80 ms in Node) would cost more than the hashing. Off
   * by default; the CLI, whose main thread is idle during a job, sets 16 MiB.
   */
  readonly inlineJobsBelow?: number
}

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
  readonly tasks: Tasks
  /** Fails with a crash when the worker dies on its own. */
  readonly died: Deferred.Deferred<never, HashError>
  /** Stops the worker at once, whatever it is doing. */
  readonly kill: () => void
  busy: boolean
  /** Tasks this worker completed: one that never completed any may be unable to run at all. */
  served: number
}

/**
 * Up to `size` workers, each running one task at a time, supervised: a worker that
 * crashes or misses its task's deadline is terminated and replaced, and the task is tried
 * again (exponential backoff, jitter, under 5 s in all) on a healthy one. Repeated worker
 * failures open a circuit breaker that sends work to the calling thread until a trial task
 * succeeds on a worker again. Permanent failures (a missing file) are never retried.
 */
export const layerWorkers = <W extends Terminable>(
  options: WorkerPlatformOptions<W>
): Layer.Layer<WorkerPool, never, ByteSource | HashKernel> =>
  Layer.effect(WorkerPool)(Effect.gen(function*() {
    const fallback = yield* makeInline
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
    const deadline = options.deadline ?? defaultDeadline
    const stallTimeout = options.stallTimeout ?? DEFAULT_STALL_TIMEOUT
    const schedule = options.retry ?? retrySchedule
    let nextId = 0
    let liveWorkers = 0
    /** A small job, and no worker up to take it: the calling thread does it sooner. */
    const inline = (hints: TaskHints | undefined) =>
      options.inlineJobsBelow !== undefined && liveWorkers === 0 && hints?.jobBytes !== undefined &&
      hints.jobBytes <= options.inlineJobsBelow

    const acquireSlot = Effect.gen(function*() {
      const scope = yield* Effect.scope
      let worker: W | undefined
      const died = Deferred.makeUnsafe<never, HashError>()
      const spawnOne = () => {
        worker = options.spawn(nextId++)
        options.watch?.(worker, (why) =>
          Deferred.doneUnsafe(died, Exit.fail(hashError(new WorkerFailure({ detail: why, kind: "crashed" })))))
        return worker
      }
      const protocol = yield* Layer.buildWithScope(
        RpcClient.layerProtocolWorker({ size: 1, concurrency: 1 }).pipe(Layer.provide(options.platform(spawnOne))),
        scope
      )
      const client = yield* RpcClient.make(HashRpcs).pipe(Effect.provideContext(protocol))
      const slot: Slot = { tasks: tasksOf(client), died, kill: () => void worker?.terminate(), busy: false, served: 0 }
      liveWorkers++
      yield* Metrics.adjust(Metrics.workers, 1)
      yield* Scope.addFinalizer(scope, Effect.andThen(Effect.sync(() => liveWorkers--), Metrics.adjust(Metrics.workers, -1)))
      // Runs before the platform's graceful close: a worker busy in a long read would
      // only see the close message when done, so it is stopped outright.
      yield* Scope.addFinalizer(scope, Effect.sync(() => slot.busy && slot.kill()))
      return slot
    }).pipe(
      Effect.mapError((error) => hashError(new WorkerFailure({ detail: error.message, kind: "spawn" })))
    )

    const pool = yield* Pool.makeWithTTL({
      acquire: acquireSlot,
      min: Math.min(options.minWorkers ?? 1, options.size),
      max: options.size,
      concurrency: 1,
      timeToLive: options.idleTimeout ?? "30 seconds"
    })

    /**
     * A worker that failed is stopped and replaced. The breaker hears only of workers that
     * failed before completing anything: that is what a page that forbids workers, or a
     * kernel that cannot start, looks like. A worker that served and then died is replaced
     * without doubting the others.
     */
    const retire = (slot: Slot, error: HashError) =>
      Effect.gen(function*() {
        if (error.reason._tag !== "WorkerFailure") return
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

    const onWorker = <A>(bytes: number, task: (tasks: Tasks) => Effect.Effect<A, HashError>) =>
      Effect.scoped(Effect.gen(function*() {
        const slot = yield* getSlot
        const limit = Duration.fromInputUnsafe(deadline(bytes))
        const started = yield* Clock.currentTimeMillis
        slot.busy = true
        const exit = yield* task(slot.tasks).pipe(
          Effect.raceFirst(Deferred.await(slot.died)),
          Effect.timeoutOrElse({
            duration: limit,
            orElse: () =>
              Effect.fail(hashError(new WorkerFailure({ detail: `no answer within ${Duration.format(limit)}`, kind: "timeout" })))
          }),
          Effect.exit
        )
        slot.busy = false
        yield* spent(started)
        if (Exit.isSuccess(exit)) yield* served(slot)
        else if (exit.cause.reasons.some((r) => r._tag === "Fail")) {
          const error = exit.cause.reasons.find((r) => r._tag === "Fail")!.error
          yield* retire(slot, error)
        }
        return yield* exit
      }))

    const streamOnWorker = (
      source: Source,
      algorithms: ReadonlyArray<HashAlgorithm>,
      checkpoint: CheckpointRequest | undefined
    ) =>
      Stream.unwrap(Effect.gen(function*() {
        const slot = yield* getSlot
        const started = yield* Clock.currentTimeMillis
        slot.busy = true
        const stalled = hashError(
          new WorkerFailure({ detail: `no progress for ${Duration.format(Duration.fromInputUnsafe(stallTimeout))}`, kind: "timeout" })
        )
        const events = slot.tasks.hashSource(source, algorithms, checkpoint).pipe(
          Stream.interruptWhen(Deferred.await(slot.died))
        )
        const guarded = source._tag === "StdinSource"
          ? events // a pipe may be idle for as long as its writer likes
          : events.pipe(Stream.timeoutOrElse({ duration: stallTimeout, orElse: () => Stream.fail(stalled) }))
        return guarded.pipe(
          Stream.onExit((exit) => {
            slot.busy = false
            if (Exit.isSuccess(exit)) return Effect.andThen(spent(started), served(slot))
            const failure = exit.cause.reasons.find((r) => r._tag === "Fail")
            return Effect.andThen(spent(started), failure ? retire(slot, failure.error) : Effect.void)
          })
        )
      })).pipe(Stream.scoped)

    /** One attempt: on a worker while the breaker allows, on the calling thread otherwise. */
    const attempt = <A>(onWorkers: Effect.Effect<A, HashError>, onFallback: Effect.Effect<A, HashError>) =>
      Effect.flatMap(breaker.allow, (allowed) => allowed ? onWorkers : Effect.andThen(count("fallbackTasks"), onFallback))

    const crashRetry = options.retryCrashedInline === true

    /** A task of `bytes`: attempts on workers or the fallback, retried while transient. */
    const run = <A>(bytes: number, task: (tasks: Tasks) => Effect.Effect<A, HashError>, onFallback: Effect.Effect<A, HashError>) => {
      const onWorkers = crashRetry
        ? onWorker(bytes, task).pipe(
          Effect.catchIf(isCrash, (error) => Effect.andThen(Effect.andThen(countRetry(health)(error), count("fallbackTasks")), onFallback))
        )
        : onWorker(bytes, task)
      return retried(attempt(onWorkers, onFallback), onFallback)
    }

    /**
     * Retried while transient; when the retries run out on worker failures, the task runs
     * once more on this thread, so a job whose workers cannot run still finishes.
     */
    const retried = <A>(effect: Effect.Effect<A, HashError>, onFallback: Effect.Effect<A, HashError>) =>
      retryTransient(effect.pipe(Effect.tapError(countRetry(health))), schedule).pipe(
        Effect.catchIf(isWorkerFailure, () => Effect.andThen(count("fallbackTasks"), onFallback))
      )

    return {
      size: options.size,
      kind: "workers" as const,
      health,
      hashSource: (source, algorithms, checkpoint, hints) => {
        if (inline(hints)) return retryTransientStream(fallback.hashSource(source, algorithms, checkpoint), schedule)
        // Every attempt, on a worker or the fallback, starts from the latest checkpoint.
        const latest = latestCheckpoint(checkpoint)
        const onFallback = Stream.suspend(() =>
          Stream.unwrap(Effect.as(count("fallbackTasks"), latest.track(fallback.hashSource(source, algorithms, latest.get()))))
        )
        const onWorkers = Stream.suspend(() => latest.track(streamOnWorker(source, algorithms, latest.get())))
        return retryTransientStream(
          Stream.unwrap(Effect.map(breaker.allow, (allowed) =>
            !allowed ? onFallback : crashRetry
              ? onWorkers.pipe(Stream.catchIf(isCrash, (error) => Stream.unwrap(Effect.as(countRetry(health)(error), onFallback))))
              : onWorkers
          )).pipe(Stream.tapError(countRetry(health))),
          schedule
        ).pipe(Stream.catchIf(isWorkerFailure, () => onFallback))
      },
      blake3Subtree: (request) => run(request.length, (t) => t.blake3Subtree(request), fallback.blake3Subtree(request)),
      sourceSize: (source) => run(0, (t) => t.sourceSize(source), fallback.sourceSize(source)),
      sourceSizes: (sources) => run(0, (t) => t.sourceSizes(sources), fallback.sourceSizes(sources)),
      hashBatch: (items, hints) =>
        inline(hints)
          ? retryTransient(fallback.hashBatch(items), schedule)
          : run(BATCH_DEADLINE_BYTES, (t) => t.hashBatch(items), fallback.hashBatch(items))
    } satisfies WorkerPool["Service"]
  })).pipe(Layer.provide(HashHandlersLive))
