import { Context, type Duration, Effect, Layer, Stream } from "effect"
import { RpcClient, type RpcGroup, RpcTest } from "effect/rpc"
import type { RpcClientError } from "effect/rpc/RpcClientError"
import type { Spawner, WorkerPlatform } from "effect/workers/Worker"
import type { WorkerError } from "effect/workers/WorkerError"
import { type HashError, hashError, WorkerFailure } from "../domain/HashError.js"
import type { HashEvent } from "../domain/HashEvent.js"
import type { Source } from "../domain/Source.js"
import type { HashAlgorithm } from "../domain/HashAlgorithm.js"
import type { HashKernel } from "../primitives/HashKernel.js"
import type { ByteSource } from "../stream/ByteSource.js"
import { HashHandlersLive } from "./handlers.js"
import { type BatchOutcome, HashRpcs } from "./HashRpcs.js"

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
 * Where heavy work runs. Every task is one request of the `HashRpcs` group; a layer
 * decides whether requests go to worker threads, Web Workers or the calling thread.
 */
export class WorkerPool extends Context.Service<WorkerPool, {
  /** How many tasks run at once; pipelines size their fan-out by it. */
  readonly size: number
  readonly kind: "workers" | "inline"
  readonly hashSource: (source: Source, algorithms: ReadonlyArray<HashAlgorithm>) => Stream.Stream<HashEvent, HashError>
  readonly blake3Subtree: (request: Blake3SubtreeRequest) => Effect.Effect<Uint8Array, HashError>
  readonly sourceSize: (source: Source) => Effect.Effect<number | undefined, HashError>
  readonly sourceSizes: (sources: ReadonlyArray<Source>) => Effect.Effect<ReadonlyArray<number | undefined>, HashError>
  readonly hashBatch: (items: ReadonlyArray<BatchItem>) => Effect.Effect<ReadonlyArray<BatchOutcome>, HashError>
}>()("@sluice/core/WorkerPool") {}

const workerFailure = (error: RpcClientError | WorkerError) =>
  hashError(new WorkerFailure({ detail: error.message }))

const fromClient = (
  kind: "workers" | "inline",
  size: number,
  client: RpcClient.RpcClient<RpcGroup.Rpcs<typeof HashRpcs>, RpcClientError>
): WorkerPool["Service"] => ({
  size,
  kind,
  hashSource: (source, algorithms) =>
    client.HashSource({ source, algorithms }).pipe(
      Stream.catchTag("RpcClientError", (error) => Stream.fail(workerFailure(error)))
    ),
  blake3Subtree: (request) =>
    client.Blake3Subtree(request).pipe(
      Effect.map(({ cv }) => cv),
      Effect.catchTag("RpcClientError", (error) => Effect.fail(workerFailure(error)))
    ),
  sourceSize: (source) =>
    client.SourceSize({ source }).pipe(
      Effect.catchTag("RpcClientError", (error) => Effect.fail(workerFailure(error)))
    ),
  sourceSizes: (sources) =>
    client.SourceSizes({ sources }).pipe(
      Effect.catchTag("RpcClientError", (error) => Effect.fail(workerFailure(error)))
    ),
  hashBatch: (items) =>
    client.HashBatch({ items }).pipe(
      Effect.catchTag("RpcClientError", (error) => Effect.fail(workerFailure(error)))
    )
})

/**
 * Up to `size` workers, each running one task at a time, over whatever worker platform
 * the environment provides (worker_threads, Web Workers). One worker starts with the
 * pool; more start only when tasks wait, so a one-file job pays for one worker's start
 * and memory, and idle extra workers retire after `idleTimeout`.
 */
export const layerWorkers = (
  options: { readonly size: number; readonly idleTimeout?: Duration.Input }
): Layer.Layer<WorkerPool, WorkerError, WorkerPlatform | Spawner> =>
  Layer.effect(WorkerPool)(
    Effect.map(RpcClient.make(HashRpcs), (client) => fromClient("workers", options.size, client))
  ).pipe(Layer.provide(RpcClient.layerProtocolWorker({
    minSize: 1,
    maxSize: options.size,
    concurrency: 1,
    timeToLive: options.idleTimeout ?? "30 seconds"
  })))

/** The same handlers on the calling thread: for tests, tiny inputs and the fallback path. */
export const layerInline: Layer.Layer<WorkerPool, never, ByteSource | HashKernel> = Layer.effect(WorkerPool)(
  Effect.map(RpcTest.makeClient(HashRpcs), (client) => fromClient("inline", 1, client))
).pipe(Layer.provide(HashHandlersLive))

