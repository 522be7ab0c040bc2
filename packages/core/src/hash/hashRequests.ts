import { Effect, Stream } from "effect"
import type { RpcGroup } from "effect/rpc"
import type { Source } from "../engine/Source.js"
import { type PoolClient, type TaskHints, WorkerPool } from "../engine/pool/WorkerPool.js"
import { Deadline, type TaskPolicy } from "../engine/pool/TaskPolicy.js"
import type { HashAlgorithm } from "./HashAlgorithm.js"
import { type HashError, toHashError } from "./HashError.js"
import type { CheckpointRequest, HashEvent } from "./HashEvent.js"
import { type HashBatchPayload, type HashBatchResult, HashRpcs, NAME_SEPARATOR } from "./HashRpcs.js"

/** Sources whose sizes one request asks for. */
export const SIZES_PER_REQUEST = 2048
const SIZE_REQUESTS_IN_FLIGHT = 4

const chunked = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  const parts: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) parts.push(items.slice(i, i + size))
  return parts
}

/** A batch of small files holds at most this many bytes (`hashFiles` plans them so). */
export const BATCH_DEADLINE_BYTES = 8 * 1024 * 1024

/**
 * Hashing's task policies. Every hash task is idempotent (it reads, and writes nothing)
 * and may run on the calling thread. A stream of one source has no deadline but its
 * progress: a worker reports every 100 ms, so silence means it hung, except on a pipe,
 * whose writer may pause for as long as it likes.
 */
export const HashPolicy = {
  source: (source: Source): TaskPolicy => ({
    deadline: Deadline.none,
    stall: source._tag === "StdinSource" ? undefined : "pool",
    idempotent: true,
    fallback: true
  }),
  bytes: (bytes: number): TaskPolicy => ({ deadline: Deadline.bytes(bytes), idempotent: true, fallback: true })
}

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

/**
 * The latest checkpoint the attempts of one stream reached, so that the next attempt (a
 * retry, the fallback) starts there rather than from the beginning.
 */
const latestCheckpoint = (checkpoint: CheckpointRequest | undefined) => {
  let latest = checkpoint
  return {
    get: () => latest,
    track: <E>(events: Stream.Stream<HashEvent, E>) =>
      events.pipe(Stream.tap((event) =>
        Effect.sync(() => {
          if (event._tag === "Checkpointed" && latest !== undefined) latest = { every: latest.every, from: event }
        })
      ))
  }
}

/**
 * A batch as `HashBatch` carries it: names when every source is a file (the bytes of a name
 * that is not UTF-8 beside it), each item's algorithms as an index into the distinct sets.
 */
export const batchPayload = (items: ReadonlyArray<BatchItem>): HashBatchPayload => {
  const algorithms: Array<ReadonlyArray<HashAlgorithm>> = []
  const keys: Array<string> = []
  const sets: Array<number> = []
  let mixed = false
  for (let at = 0; at < items.length; at++) {
    const key = items[at]!.algorithms.join(",")
    let set = keys.indexOf(key)
    if (set < 0) {
      set = keys.push(key) - 1
      algorithms.push(items[at]!.algorithms)
    }
    if (set !== 0) mixed = true
    sets.push(set)
  }
  return { algorithms, ...sourcesPayload(items.map((item) => item.source)), ...(mixed ? { sets } : {}) }
}

/**
 * Sources in a request's compact form: files by name (`paths`, every name in one string as
 * `packList` packs it, with the exact `raw` bytes of names that are not UTF-8), or, when
 * any is not a file, every source whole.
 */
const sourcesPayload = (
  sources: ReadonlyArray<Source>
): { paths: string; raw?: Array<{ at: number; bytes: Uint8Array }> } | { sources: ReadonlyArray<Source> } => {
  let paths = ""
  const raw: Array<{ at: number; bytes: Uint8Array }> = []
  for (let at = 0; at < sources.length; at++) {
    const source = sources[at]!
    if (source._tag !== "PathSource") return { sources }
    paths += source.path + NAME_SEPARATOR
    if (source.bytes !== undefined) raw.push({ at, bytes: source.bytes })
  }
  return raw.length === 0 ? { paths } : { paths, raw }
}

/** The hash operation's requests on the pool, each with its policy; failures as `HashError`. */
export const hashRequestsOf = (client: PoolClient<RpcGroup.Rpcs<typeof HashRpcs>>) => ({
  /**
   * Progress, then the digests. With `checkpoint`, `Checkpointed` events too; a retry after
   * a crash starts from the latest of them instead of from the beginning.
   */
  hashSource: (
    source: Source,
    algorithms: ReadonlyArray<HashAlgorithm>,
    checkpoint?: CheckpointRequest | undefined,
    hints?: TaskHints
  ): Stream.Stream<HashEvent, HashError> => {
    const latest = latestCheckpoint(checkpoint)
    return client.stream(HashPolicy.source(source), (c) => {
      const from = latest.get()
      return latest.track(c.HashSource({
        source,
        algorithms,
        ...(from === undefined ? {} : { checkpointEvery: from.every }),
        ...(from?.from === undefined ? {} : { resume: from.from })
      }))
    }, hints).pipe(Stream.mapError(toHashError))
  },
  blake3Subtree: (request: Blake3SubtreeRequest): Effect.Effect<Uint8Array, HashError> =>
    client.run(HashPolicy.bytes(request.length), (c) => c.Blake3Subtree(request)).pipe(
      Effect.map(({ cv }) => cv),
      Effect.mapError(toHashError)
    ),
  sourceSize: (source: Source): Effect.Effect<number | undefined, HashError> =>
    client.run(HashPolicy.bytes(0), (c) => c.SourceSize({ source })).pipe(Effect.mapError(toHashError)),
  /**
   * In requests of `SIZES_PER_REQUEST` sources over the pool: each is a few ms of stats,
   * well inside a task's deadline on a loaded machine. One request of a whole tree (100,000
   * stats and their message) missed it under load, and the breaker then sent the whole
   * tree to this thread, a file at a time.
   */
  sourceSizes: (sources: ReadonlyArray<Source>): Effect.Effect<ReadonlyArray<number | undefined>, HashError> =>
    Effect.map(
      Effect.forEach(
        chunked(sources, SIZES_PER_REQUEST),
        (part) => client.run(HashPolicy.bytes(0), (c) => c.SourceSizes(sourcesPayload(part))).pipe(Effect.mapError(toHashError)),
        { concurrency: SIZE_REQUESTS_IN_FLIGHT }
      ),
      (parts) => parts.flat()
    ),
  /** Small sources in one request, in the protocol's compact form (HashRpcs, `HashBatch`). */
  hashBatch: (items: ReadonlyArray<BatchItem>, hints?: TaskHints, stamp = false): Effect.Effect<HashBatchResult, HashError> => {
    const payload = stamp ? { ...batchPayload(items), stamp } : batchPayload(items)
    return client.run(HashPolicy.bytes(BATCH_DEADLINE_BYTES), (c) => c.HashBatch(payload), hints).pipe(Effect.mapError(toHashError))
  }
})

export type HashRequests = ReturnType<typeof hashRequestsOf>

/** The hash operation's requests on the pool in context. */
export const HashRequests: Effect.Effect<HashRequests, never, WorkerPool> = Effect.map(WorkerPool, (pool) => hashRequestsOf(pool.client(HashRpcs)))
