import { Clock, Context, Effect, Option, Stream } from "effect"
import { type LevelIds, lookupDigests, storeManyDigests, type ToStore } from "./digestCache.js"
import { type ContentIdentity, ResultCache } from "../engine/cache/ResultCache.js"
import type { HashAlgorithm } from "./HashAlgorithm.js"
import { type HashError, type HashErrorReason, isTransient } from "./HashError.js"
import { type Checkpointed, Digested, type HashEvent, Progress } from "./HashEvent.js"
import { FileFailed, type FileHashed, fileHashed, type HashJobEvent } from "./HashJob.js"
import { type Advance, runOrdered } from "../engine/job/runOrdered.js"
import { orderedRangeMap } from "../engine/job/rangeMap.js"
import { type Source, sourceName } from "../engine/Source.js"
import { blake3CombineSubtrees, blake3SplitRanges } from "./kernels/blake3Tree.js"
import { toHex } from "./kernels/IncrementalHasher.js"
import * as Metrics from "../engine/metrics/Metrics.js"
import { type TaskHints, WorkerPool } from "../engine/pool/WorkerPool.js"
import { HashRequests } from "./hashRequests.js"
import { unpackList } from "./HashRpcs.js"

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
 * Whether one large BLAKE3 file is spread over every worker in subtrees. True where the
 * workers hash BLAKE3 with our kernel, which computes a subtree's chaining value; a
 * platform whose kernel is much faster on one worker than ours on all of them (Node's
 * native addon: ~3.9 GB/s against ~0.36 GB/s a worker, and it has no subtree API) sets it
 * to false, and the file goes to one worker whole. Asked only when a BLAKE3 file may be
 * spread: finding out may load that addon, which a command hashing nothing (keygen, derive
 * on the pool) should not pay for (4-23 ms of this thread's CPU here).
 */
export const SpreadBlake3 = Context.Reference<() => boolean>("@sluice/core/SpreadBlake3", { defaultValue: () => () => true })

/**
 * BLAKE3 of one file over the whole pool (DESIGN.md, "chunk-parallel formats"): aligned
 * subtrees are hashed on any free worker, their chaining values combined in order.
 */
const hashBlake3Parallel = (source: Source, size: number, pool: WorkerPool["Service"], tasks: HashRequests) =>
  Stream.unwrap(Effect.sync(() => {
    const ranges = blake3SplitRanges(size, pool.size)
    const cvs: Array<{ cv: Uint8Array; chunks: number }> = []
    let bytes = 0
    const pieces = orderedRangeMap(
      ranges,
      pool.size * 2,
      (range) => Effect.map(tasks.blake3Subtree({ source, ...range }), (cv) => ({ cv, range }))
    ).pipe(
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
    const tasks = yield* HashRequests
    const threshold = options.parallelThreshold ?? DEFAULT_PARALLEL_THRESHOLD
    const parallel = pool.size > 1 && options.algorithms.length === 1 && options.algorithms[0] === "blake3" &&
      source._tag !== "StdinSource" && options.checkpoint === undefined && (yield* SpreadBlake3)()
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

/**
 * How many batches of small files run at once on a pool of `size` workers (default: one a
 * worker). Each file of a batch costs the calling thread work of its own (its identity, the
 * cache's lookup and store, its line), about as much as the worker's: a platform whose
 * calling thread shares the cores with its workers (Node) leaves it one, rather than start a
 * worker that would wait on it and compete with it for the core.
 */
export const BatchWorkers = Context.Reference<(size: number) => number>("@sluice/core/BatchWorkers", { defaultValue: () => (size) => size })

/** Sources at most this large are hashed in batches; larger ones stream on their own. */
export const SMALL_SOURCE_BYTES = 1024 * 1024
const BATCHING = { smallItemBytes: SMALL_SOURCE_BYTES, maxBytes: 8 * 1024 * 1024, maxItems: 512 }

/**
 * How many sources are identified and looked up in the result cache at a time (default:
 * the whole job in one lookup, as a browser's IndexedDB level reads it in one transaction).
 * Node looks up `LOOKUP_CHUNK` at a time: a chunk's misses start hashing, and the pool its
 * first worker, while the next chunks are looked up (a stat each, on the calling thread).
 */
export const LookupChunk = Context.Reference<number>("@sluice/core/LookupChunk", { defaultValue: () => Infinity })

/** Node's `LookupChunk`: as many as a batch holds. */
export const LOOKUP_CHUNK = 512

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
 * `pipeline` names the job in the metrics (`hash`, `check`). The engine's ordered job
 * runner does the rest: order, batching, progress and metrics; hashing gives it one
 * source's hash, a batch's, the result cache's answers and what to store in it.
 */
export const hashTasks = (
  tasks: ReadonlyArray<HashTask>,
  { onIdentities, pipeline = "hash" }: {
    readonly pipeline?: string
    /**
     * Hears the content identity of each source (undefined where it has none) as the
     * result cache took them, before any is hashed: a front end that keeps verdicts of its
     * own (the CLI's check index) learns which file each result was for without a stat more.
     */
    readonly onIdentities?: (identities: ReadonlyArray<ContentIdentity | undefined>) => void
  } = {}
): Stream.Stream<HashJobEvent, never, WorkerPool> =>
  Stream.unwrap(Effect.gen(function*() {
    const sources = tasks.map((task) => task.source)
    const pool = yield* WorkerPool
    const onPool = yield* HashRequests
    const context = yield* Effect.context<WorkerPool>()

    const hashOne = (index: number, advance: Advance, hints: TaskHints): Effect.Effect<FileHashed | FileFailed> => {
      const { options, source } = tasks[index]!
      let result: FileHashed | undefined
      return hashSource(source, options, hints).pipe(
        Stream.runForEach((event) => {
          if (event._tag === "Progress") return advance(index, event.bytes, event.total)
          if (event._tag === "Checkpointed") return options.checkpoint?.save(event) ?? Effect.void
          result = fileHashed({ index, name: sourceName(source), digests: event.digests, bytes: event.bytes })
          return Effect.void
        }),
        Effect.map(() => result!),
        Effect.catch((error) => Effect.succeed(new FileFailed({ index, name: sourceName(source), reason: error.reason }))),
        Effect.provideContext(context)
      )
    }

    const hashBatch = (batch: ReadonlyArray<number>, advance: Advance, hints: TaskHints) =>
      onPool.hashBatch(batch.map((index) => ({ source: sources[index]!, algorithms: tasks[index]!.options.algorithms })), hints, cache !== undefined).pipe(
        Effect.flatMap(({ digests, failures, sizes: packedSizes, stamps: packedStamps }) => {
          // One pass over the compact answer: no Effect per file unless a file must be retried.
          const hex = digests === "" ? [] : digests.split(" ")
          const sizes = unpackList(packedSizes, " ").map(Number)
          const stamps = packedStamps === undefined ? undefined : unpackList(packedStamps, " ")
          const failed = new Map<number, HashErrorReason>()
          for (const { at, reason } of failures) failed.set(at, reason)
          const outcomes = new Array<FileHashed | FileFailed>(batch.length)
          const retry: Array<number> = []
          let next = 0
          for (let at = 0; at < batch.length; at++) {
            const index = batch[at]!
            const { options, source } = tasks[index]!
            const reason = failed.get(at)
            if (reason !== undefined || sizes[at]! < 0) {
              // A file that was busy gets its own retries; the rest of the batch stands.
              if (reason === undefined || isTransient(reason)) retry.push(at)
              else outcomes[at] = new FileFailed({ index, name: sourceName(source), reason })
              continue
            }
            if (stamps !== undefined) after[index] = stamps[at]
            const found: Record<string, string> = {}
            for (const algorithm of options.algorithms) found[algorithm] = hex[next++]!
            outcomes[at] = fileHashed({ index, name: sourceName(source), digests: found, bytes: sizes[at]! })
          }
          if (retry.length === 0) return Effect.succeed(outcomes)
          return Effect.as(
            Effect.forEach(retry, (at) => Effect.map(hashOne(batch[at]!, advance, hints), (outcome) => {
              outcomes[at] = outcome
            }), { discard: true }),
            outcomes
          )
        }),
        // A batch that could not run at all is retried file by file, each failing on its own.
        Effect.catch(() => Effect.forEach(batch, (index) => hashOne(index, advance, hints)))
      )

    // The cache answers for sources it has seen unchanged; the rest are hashed, then cached.
    const cache = Option.getOrUndefined(yield* Effect.serviceOption(ResultCache))
    /** What a worker saw of each file once it had read it (its identity's key), for the cache. */
    const after: Array<string | undefined> = cache === undefined ? [] : new Array(tasks.length)
    const identities: Array<ContentIdentity | undefined> = cache === undefined ? [] : new Array(tasks.length)
    /** The level keys each lookup computed, kept for the store; a file's are dropped once stored. */
    const levelIds: Array<LevelIds | undefined> = cache === undefined ? [] : new Array(tasks.length)
    let lookupMs = 0
    let lookedUp = 0
    /** Sources `from` to `to`: identified (a stat each), then looked up in the cache in one pass. */
    const lookup = (from: number, to: number) =>
      Effect.gen(function*() {
        const started = yield* Clock.currentTimeMillis
        const found = yield* cache!.identify(sources.slice(from, to))
        for (let i = 0; i < found.length; i++) identities[from + i] = found[i]
        const ids: Array<LevelIds | undefined> = new Array(to - from)
        const hits = yield* lookupDigests(cache!, found.map((identity, i) => ({ identity, algorithms: tasks[from + i]!.options.algorithms })), ids)
        for (let i = 0; i < ids.length; i++) if (hits[i] === undefined) levelIds[from + i] = ids[i]
        const known = hits.map((hit, i) =>
          hit === undefined ? undefined : fileHashed({ index: from + i, name: sourceName(sources[from + i]!), ...hit, cached: true })
        )
        const now = yield* Clock.currentTimeMillis
        lookupMs += now - started
        lookedUp += to - from
        if (lookedUp === tasks.length) yield* Metrics.record(Metrics.phaseMs, lookupMs, { phase: "cache lookup" })
        return { known, sizes: found.map((identity) => identity?.size) }
      })
    const known = new Map<number, FileHashed>()
    if (cache !== undefined && onIdentities !== undefined) {
      // A front end that keeps verdicts of its own hears every identity before any hash.
      const { known: hits } = yield* lookup(0, tasks.length)
      onIdentities(identities)
      hits.forEach((hit, index) => hit !== undefined && known.set(index, hit))
    }

    // Each unit's new results go to the cache in one write.
    const remember = (done: ReadonlyArray<FileHashed | FileFailed>) => {
      const items: Array<ToStore> = []
      for (const result of done) {
        const index = result.index
        const identity = identities[index]
        if (result._tag === "FileHashed" && result.cached !== true && identity !== undefined) {
          items.push({ identity, digests: result.digests, bytes: result.bytes, after: after[index], ids: levelIds[index] })
        }
        // What the job kept of a file is dropped once it is done: a tree's memory is its
        // names, not every file's identity (the identities a front end was given stay).
        levelIds[index] = undefined
        after[index] = undefined
        if (onIdentities === undefined) identities[index] = undefined
      }
      return items.length === 0 ? Effect.void : storeManyDigests(cache!, items)
    }

    return runOrdered<FileHashed | FileFailed>({
      pipeline,
      items: tasks.length,
      concurrency: pool.size,
      batchConcurrency: (yield* BatchWorkers)(pool.size),
      ...(cache === undefined || onIdentities === undefined ? {} : { sizes: identities.map((identity) => identity?.size) }),
      learnSizes: (indices) =>
        onPool.sourceSizes(indices.map((index) => sources[index]!)).pipe(Effect.orElseSucceed(() => indices.map(() => undefined))),
      known,
      batching: BATCHING,
      one: hashOne,
      batch: hashBatch,
      kind: (outcome) => outcome._tag === "FileFailed" ? "failed" : outcome.cached === true ? "cached" : "done",
      size: (outcome) => outcome._tag === "FileHashed" ? outcome.bytes : 0,
      labels: { done: "hashed", phase: "hashing" },
      ...(cache === undefined ? {} : { onUnit: remember }),
      // Otherwise the cache is asked a chunk at a time, and a chunk's misses start hashing
      // (and the pool its workers) while the next chunks are looked up.
      ...(cache === undefined || onIdentities !== undefined ? {} : { lookup: { chunk: yield* LookupChunk, run: lookup } })
    })
  }))
