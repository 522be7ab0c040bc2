import { Effect, Queue, Stream } from "effect"
import type { HashAlgorithm } from "../domain/HashAlgorithm.js"
import { type HashError, hashError, ReadFailed } from "../domain/HashError.js"
import { Digested, Progress } from "../domain/HashEvent.js"
import { type Source, sourceName } from "../domain/Source.js"
import { Blake3SubtreeHasher } from "../primitives/blake3Tree.js"
import { HashKernel } from "../primitives/HashKernel.js"
import { toHex } from "../primitives/IncrementalHasher.js"
import { ByteSource, forEachChunk } from "../stream/ByteSource.js"
import { HashRpcs } from "./HashRpcs.js"

/** A worker reports progress after this many bytes, or this much time, whichever comes first. */
export const PROGRESS_EVERY_BYTES = 16 * 1024 * 1024
export const PROGRESS_EVERY_MS = 100

/**
 * The worker's side of the pool: the same handlers run in a worker thread, a Web Worker
 * or inline, over whatever ByteSource and HashKernel the environment provides.
 */
export const HashHandlersLive = HashRpcs.toLayer(Effect.gen(function*() {
  const sources = yield* ByteSource
  const kernel = yield* HashKernel
  /** One read of the source feeds every algorithm; `onProgress` hears of each chunk. */
  const hashWhole = (
    source: Source,
    algorithms: ReadonlyArray<HashAlgorithm>,
    onProgress: (bytes: number, total: number | undefined) => void = () => {}
  ) =>
    Effect.scoped(Effect.gen(function*() {
      const hashers = yield* Effect.forEach(algorithms, (algorithm) => kernel.make(algorithm))
      const reader = yield* sources.open(source)
      let bytes = 0
      yield* forEachChunk(reader, (chunk) => {
        for (const hasher of hashers) hasher.update(chunk)
        bytes += chunk.length
        onProgress(bytes, reader.size)
      })
      const digests: Record<string, string> = {}
      algorithms.forEach((algorithm, i) => {
        digests[algorithm] = toHex(hashers[i]!.digest())
      })
      return { _tag: "Digested" as const, digests, bytes }
    }))
  return HashRpcs.of({
    HashSource: ({ algorithms, source }) =>
      Stream.callback<Progress | Digested, HashError>((queue) => {
        let reported = 0
        let reportedAt = Date.now()
        const onProgress = (bytes: number, total: number | undefined) => {
          if (bytes - reported < PROGRESS_EVERY_BYTES && Date.now() - reportedAt < PROGRESS_EVERY_MS) return
          reported = bytes
          reportedAt = Date.now()
          Queue.offerUnsafe(queue, new Progress({ bytes, ...(total === undefined ? {} : { total }) }))
        }
        return hashWhole(source, algorithms, onProgress).pipe(
          Effect.flatMap(({ bytes, digests }) => Queue.offer(queue, new Digested({ digests, bytes }))),
          Effect.andThen(Queue.end(queue))
        )
      }),
    Blake3Subtree: ({ length, offset, source, startChunk }) =>
      Effect.scoped(Effect.gen(function*() {
        const reader = yield* sources.open(source)
        const hasher = new Blake3SubtreeHasher(startChunk)
        let read = 0
        yield* forEachChunk(reader, (chunk) => {
          hasher.update(chunk)
          read += chunk.length
        }, { offset, length })
        // A file that shrank since it was split would give a digest of something else.
        if (read !== length) {
          return yield* Effect.fail(hashError(new ReadFailed({ path: sourceName(source), code: "ECHANGED" })))
        }
        return { cv: new Uint8Array(hasher.chainingValue()) }
      })),
    SourceSize: ({ source }) =>
      Effect.scoped(Effect.map(sources.open(source), (reader) => reader.size)),
    SourceSizes: ({ sources: list }) =>
      Effect.forEach(list, (source) =>
        Effect.scoped(sources.open(source)).pipe(
          Effect.map((reader) => reader.size),
          Effect.orElseSucceed(() => undefined)
        )),
    HashBatch: ({ items }) =>
      Effect.forEach(items, ({ algorithms, source }) =>
        hashWhole(source, algorithms).pipe(
          Effect.catch((error) => Effect.succeed({ _tag: "Failed" as const, reason: error.reason }))
        ))
  })
}))
