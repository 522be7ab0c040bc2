import { Effect, Stream } from "effect"
import type { RpcGroup } from "effect/rpc"
import type { Source } from "../engine/Source.js"
import { type PoolClient, type TaskHints, WorkerPool } from "../engine/pool/WorkerPool.js"
import { Deadline, type TaskPolicy } from "../engine/pool/TaskPolicy.js"
import type { HashAlgorithm } from "./HashAlgorithm.js"
import { type HashError, toHashError } from "./HashError.js"
import type { CheckpointRequest, HashEvent } from "./HashEvent.js"
import { type BatchOutcome, HashRpcs } from "./HashRpcs.js"

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
  sourceSizes: (sources: ReadonlyArray<Source>): Effect.Effect<ReadonlyArray<number | undefined>, HashError> =>
    client.run(HashPolicy.bytes(0), (c) => c.SourceSizes({ sources })).pipe(Effect.mapError(toHashError)),
  hashBatch: (items: ReadonlyArray<BatchItem>, hints?: TaskHints): Effect.Effect<ReadonlyArray<BatchOutcome>, HashError> =>
    client.run(HashPolicy.bytes(BATCH_DEADLINE_BYTES), (c) => c.HashBatch({ items }), hints).pipe(Effect.mapError(toHashError))
})

export type HashRequests = ReturnType<typeof hashRequestsOf>

/** The hash operation's requests on the pool in context. */
export const HashRequests: Effect.Effect<HashRequests, never, WorkerPool> = Effect.map(WorkerPool, (pool) => hashRequestsOf(pool.client(HashRpcs)))
