import { Clock, Effect, Option, Queue, Stream } from "effect"
import { lookupDigests, storeDigests } from "./digestCache.js"
import { type ContentIdentity, ResultCache } from "../engine/cache/ResultCache.js"
import type { HashAlgorithm } from "./HashAlgorithm.js"
import { type HashError, isTransient } from "./HashError.js"
import { type Checkpointed, Digested, type HashEvent, Progress } from "./HashEvent.js"
import { FileFailed, FileHashed, type HashJobEvent, JobProgress } from "./HashJob.js"
import { type Source, sourceName } from "../engine/Source.js"
import { blake3CombineSubtrees, blake3SplitRanges } from "./kernels/blake3Tree.js"
import { toHex } from "./kernels/IncrementalHasher.js"
import * as Metrics from "../engine/metrics/Metrics.js"
import { type TaskHints, WorkerPool } from "../engine/pool/WorkerPool.js"
import { HashTasks, type HashTasks as Tasks } from "./hashTasks.js"

const MiB = 1024 * 1024

/** Files smaller than this hash faster than they checkpoint: front ends resume only larger ones. */
export const RESUMABLE_FROM_BYTES = 64 * MiB

/**
 * How often a file of `size` bytes saves its state: every 2.5 % of it, at least 16 MiB
 * apart, so that a stopped job redoes at most that much and a small file writes few.
 */
export const checkpointEvery = (size: number): number => Math.max(16 * MiB, Math.ceil(size / 40 / MiB) * MiB)

/** A resumable hash: checkpoints as it goes, and may start from an earlier run's. */
export interface ResumeOptions {
  /** The hashers' state is saved every this many bytes. */
  readonly every: number
  /** Where an earlier run got to; a checkpoint that does not fit is ignored (hashing starts over). */
  readonly from?: Checkpointed | undefined
  /** Keeps each checkpoint (a file beside the cache, IndexedDB); it must never fail the hash. */
  readonly save: (checkpoint: Checkpointed) => Effect.Effect<void>
}

export interface HashOptions {
  readonly algorithms: ReadonlyArray<HashAlgorithm>
  /** Files at least this large are spread over every worker when the algorithm allows it (BLAKE3). */
  readonly parallelThreshold?: number
  /**
   * Makes the hash resumable. It then runs on one worker with kernels that can save their
   * state (hash-wasm and our BLAKE3 rather than node:crypto): slower for SHA-2 where the
   * CPU has SHA extensions, the same speed for BLAKE3.
   */
  readonly checkpoint?: ResumeOptions | undefined
}

export const DEFAULT_PARALLEL_THRESHOLD = 16 * 1024 * 1024

/**
 * BLAKE3 of one file over the whole pool (DESIGN.md, "chunk-parallel formats"): aligned
 * subtrees are hashed on any free worker, their chaining values combined in order.
 */
const hashBlake3Parallel = (source: Source, size: number, pool: WorkerPool["Service"], tasks: Tasks) =>
  Stream.unwrap(Effect.sync(() => {
    const ranges = blake3SplitRanges(size, pool.size)
    const cvs: Array<{ cv: Uint8Array; chunks: number }> = []
    let bytes = 0
    const pieces = Stream.fromIterable(ranges).pipe(
      Stream.mapEffect(
        (range) =>
          Effect.map(tasks.blake3Subtree({ source, ...range }), (cv) => ({ cv, range })),
        { concurrency: pool.size * 2 }
      ),
      Stream.map(({ cv, range }): HashEvent => {
        cvs.push({ cv, chunks: Math.max(1, Math.ceil(range.length / 1024)) })
        bytes += range.length
        return new Progress({ bytes, total: size })
      })
    )
    const digest = Stream.fromEffect(Effect.sync((): HashEvent =>
      new Digested({ digests: { blake3: toHex(blake3CombineSubtrees(cvs)) }, bytes: size })
    ))
    return Stream.concat(pieces, digest)
  }))

/**
 * Hashes one source: progress events, then one `Digested` with every requested algorithm.
 * Several algorithms share one read of the source.
 */
export const hashSource = (
  source: Source,
  options: HashOptions,
  hints?: TaskHints
): Stream.Stream<HashEvent, HashError, WorkerPool> =>
  Stream.unwrap(Effect.gen(function*() {
    const pool = yield* WorkerPool
    const tasks = yield* HashTasks
    const threshold = options.parallelThreshold ?? DEFAULT_PARALLEL_THRESHOLD
    const parallel = pool.size > 1 && options.algorithms.length === 1 && options.algorithms[0] === "blake3" &&
      source._tag !== "StdinSource" && options.checkpoint === undefined
    if (parallel) {
      const size = yield* tasks.sourceSize(source)
      if (size !== undefined && size >= threshold) return hashBlake3Parallel(source, size, pool, tasks)
    }
    const checkpoint = options.checkpoint
    return tasks.hashSource(
      source,
      options.algorithms,
      checkpoint === undefined ? undefined : { every: checkpoint.every, from: checkpoint.from },
      hints
    )
  }))

/** Sources at most this large are hashed in batches; larger ones stream on their own. */
export const SMALL_SOURCE_BYTES = 1024 * 1024
const BATCH_BYTES = 8 * 1024 * 1024
const BATCH_FILES = 128

/** A lone source, a batch of small ones (indices), or a run of results the cache already had. */
type Unit = number | { readonly batch: ReadonlyArray<number> } | { readonly cached: ReadonlyArray<FileHashed> }

/**
 * Splits a job into units, in order: a lone index for a large or unsized source (it
 * streams, with progress), a batch of indices for a run of small ones (one request), a run
 * of cached results as they are. A single source needs no plan, nor a round trip to learn
 * its size.
 */
const planUnits = (
  tasks: ReadonlyArray<HashTask>,
  pool: Tasks,
  cached: ReadonlyMap<number, FileHashed>,
  known: ReadonlyArray<number | undefined>
) =>
  Effect.gen(function*() {
    const uncached = tasks.flatMap((task, index) => cached.has(index) ? [] : [{ task, index }])
    // Sizes the cache's identities gave are not asked again; a lone source needs none.
    const unknown = uncached.filter(({ index }) => known[index] === undefined)
    const learnt = uncached.length < 2 || unknown.length === 0 ? [] : yield* pool.sourceSizes(unknown.map(({ task }) => task.source)).pipe(
      Effect.orElseSucceed(() => unknown.map(() => undefined))
    )
    const sizes = [...known]
    unknown.forEach(({ index }, i) => sizes[index] = learnt[i])
    let jobBytes: number | undefined = 0
    for (const { index } of uncached) jobBytes = jobBytes === undefined || sizes[index] === undefined ? undefined : jobBytes + sizes[index]!
    const units: Array<Unit> = []
    let batch: Array<number> = []
    let batchBytes = 0
    let hits: Array<FileHashed> = []
    const flush = () => {
      if (batch.length > 0) units.push(batch.length === 1 ? batch[0]! : { batch })
      if (hits.length > 0) units.push({ cached: hits })
      batch = []
      batchBytes = 0
      hits = []
    }
    tasks.forEach((_, index) => {
      const hit = cached.get(index)
      if (hit !== undefined) {
        // Results stay in input order: a cached one ends the batch before it.
        if (batch.length > 0) flush()
        hits.push(hit)
        return
      }
      if (hits.length > 0) flush()
      const size = sizes[index]
      if (size === undefined || size > SMALL_SOURCE_BYTES) {
        flush()
        units.push(index)
        return
      }
      batch.push(index)
      batchBytes += size
      if (batchBytes >= BATCH_BYTES || batch.length >= BATCH_FILES) flush()
    })
    flush()
    return { units, hints: { jobBytes } satisfies TaskHints }
  })

export interface HashTask {
  readonly source: Source
  readonly options: HashOptions
}

/**
 * Hashes many sources across the pool. Results come in input order; a source that fails
 * is reported and the others go on. `JobProgress` events interleave with the results.
 */
export const hashFiles = (
  sources: ReadonlyArray<Source>,
  options: HashOptions
): Stream.Stream<HashJobEvent, never, WorkerPool> => hashTasks(sources.map((source) => ({ source, options })))

/**
 * `hashFiles` where each source names its own algorithms (a checksum file may mix them).
 * `pipeline` names the job in the metrics (`hash`, `check`).
 */
export const hashTasks = (
  tasks: ReadonlyArray<HashTask>,
  { pipeline = "hash" }: { readonly pipeline?: string } = {}
): Stream.Stream<HashJobEvent, never, WorkerPool> =>
  Stream.unwrap(Effect.gen(function*() {
    const sources = tasks.map((task) => task.source)
    const pool = yield* WorkerPool
    const onPool = yield* HashTasks
    const started = yield* Clock.currentTimeMillis
    const progress = yield* Queue.sliding<JobProgress>(16)
    const fileBytes = new Array<number>(sources.length).fill(0)
    const fileTotals = new Array<number | undefined>(sources.length).fill(undefined)
    let bytes = 0
    let filesDone = 0
    // The job's total is known once every file's is: kept as a running sum, not recounted.
    let knownTotal = 0
    let unknownTotals = sources.length

    const report = Effect.fnUntraced(function*() {
      const now = yield* Clock.currentTimeMillis
      const total = unknownTotals === 0 ? knownTotal : undefined
      const seconds = Math.max(now - started, 1) / 1000
      const event = new JobProgress({
        bytes,
        ...(total === undefined ? {} : { total }),
        filesDone,
        files: sources.length,
        bytesPerSecond: bytes / seconds
      })
      Queue.offerUnsafe(progress, event)
    })
    const advance = (index: number, now: number, total: number | undefined) => {
      bytes += now - fileBytes[index]!
      fileBytes[index] = now
      if (total === undefined) return
      const before = fileTotals[index]
      if (before === undefined) unknownTotals--
      knownTotal += total - (before ?? 0)
      fileTotals[index] = total
    }

    // Set once the job is planned, before any unit runs.
    let hints: TaskHints = {}

    const hashOne = (
      { options, source }: HashTask,
      index: number
    ): Effect.Effect<FileHashed | FileFailed, never, WorkerPool> => {
      let result: FileHashed | undefined
      return hashSource(source, options, hints).pipe(
        Stream.runForEach((event) => {
          if (event._tag === "Progress") {
            advance(index, event.bytes, event.total)
            return report()
          }
          if (event._tag === "Checkpointed") return options.checkpoint?.save(event) ?? Effect.void
          advance(index, event.bytes, event.bytes)
          result = new FileHashed({ index, name: sourceName(source), digests: event.digests, bytes: event.bytes })
          return Effect.void
        }),
        Effect.map(() => result!),
        Effect.catch((error) =>
          Effect.succeed(new FileFailed({ index, name: sourceName(source), reason: error.reason }))
        )
      )
    }

    const hashBatch = (batch: ReadonlyArray<number>): Effect.Effect<Array<FileHashed | FileFailed>, never, WorkerPool> =>
      onPool.hashBatch(batch.map((index) => ({ source: sources[index]!, algorithms: tasks[index]!.options.algorithms })), hints).pipe(
        Effect.flatMap((outcomes) =>
          Effect.forEach(outcomes, (outcome, i) => {
            const index = batch[i]!
            const name = sourceName(sources[index]!)
            if (outcome._tag === "Failed") {
              // A file that was busy gets its own retries; the rest of the batch stands.
              return isTransient(outcome.reason)
                ? hashOne(tasks[index]!, index)
                : Effect.succeed(new FileFailed({ index, name, reason: outcome.reason }))
            }
            advance(index, outcome.bytes, outcome.bytes)
            return Effect.succeed(new FileHashed({ index, name, digests: outcome.digests, bytes: outcome.bytes }))
          })
        ),
        // A batch that could not run at all is retried file by file, each failing on its own.
        Effect.catch(() => Effect.forEach(batch, (index) => hashOne(tasks[index]!, index)))
      )

    // The cache answers for sources it has seen unchanged; the rest are hashed, then cached.
    const cache = Option.getOrUndefined(yield* Effect.serviceOption(ResultCache))
    let identities: ReadonlyArray<ContentIdentity | undefined> = []
    const cached = new Map<number, FileHashed>()
    const lookupStarted = yield* Clock.currentTimeMillis
    if (cache !== undefined) {
      identities = yield* cache.identify(sources)
      const found = yield* lookupDigests(cache, tasks.map(({ options }, i) => ({ identity: identities[i], algorithms: options.algorithms })))
      found.forEach((hit, index) => {
        if (hit === undefined) return
        advance(index, hit.bytes, hit.bytes)
        cached.set(index, new FileHashed({ index, name: sourceName(sources[index]!), ...hit, cached: true }))
      })
    }
    const hashingStarted = yield* Clock.currentTimeMillis
    if (cache !== undefined) yield* Metrics.record(Metrics.phaseMs, hashingStarted - lookupStarted, { phase: "cache lookup" })

    /** What the metrics count of a unit's results: files by outcome and the bytes actually read, once per unit. */
    const counted = (done: ReadonlyArray<FileHashed | FileFailed>) =>
      Effect.suspend(() => {
        let hashed = 0
        let cached = 0
        let failed = 0
        let read = 0
        for (const result of done) {
          if (result._tag === "FileFailed") failed++
          else if (result.cached === true) cached++
          else {
            hashed++
            read += result.bytes
          }
        }
        return Effect.all([
          hashed > 0 ? Metrics.record(Metrics.files, hashed, { outcome: "hashed", pipeline }) : Effect.void,
          cached > 0 ? Metrics.record(Metrics.files, cached, { outcome: "cached", pipeline }) : Effect.void,
          failed > 0 ? Metrics.record(Metrics.files, failed, { outcome: "failed", pipeline }) : Effect.void,
          read > 0 ? Metrics.record(Metrics.bytes, read, { pipeline }) : Effect.void
        ], { discard: true })
      })

    const remember = (done: ReadonlyArray<FileHashed | FileFailed>) =>
      cache === undefined ? Effect.void : Effect.forEach(done, (result) => {
        const identity = identities[result.index]
        return result._tag === "FileHashed" && result.cached !== true && identity !== undefined
          ? storeDigests(cache, identity, result.digests, result.bytes)
          : Effect.void
      }, { discard: true })

    const run = (unit: Unit): Effect.Effect<ReadonlyArray<FileHashed | FileFailed>, never, WorkerPool> =>
      typeof unit === "number"
        ? Effect.map(hashOne(tasks[unit]!, unit), (r) => [r])
        : "batch" in unit
        ? hashBatch(unit.batch)
        : Effect.succeed(unit.cached)

    const { units, hints: planned } = yield* planUnits(tasks, onPool, cached, tasks.map((_, i) => identities[i]?.size))
    hints = planned
    const results = Stream.fromIterable(units).pipe(
      Stream.mapEffect(
        (unit) =>
          (typeof unit === "object" && "cached" in unit ? run(unit) : Metrics.timed(Metrics.unitMs, run(unit))).pipe(
            Effect.tap(remember),
            Effect.tap(counted),
            // Counted once per unit, however its files got hashed (a batch, or one by one on retry).
            Effect.tap((done) => {
              filesDone += done.length
              return report()
            })
          ),
        { concurrency: pool.size }
      ),
      Stream.flattenIterable
    )
    const hashingDone = Effect.flatMap(Clock.currentTimeMillis, (now) => Metrics.record(Metrics.phaseMs, now - hashingStarted, { phase: "hashing" }))
    return Stream.merge(results.pipe(Stream.ensuring(hashingDone)), Stream.fromQueue(progress), { haltStrategy: "left" })
  }))
