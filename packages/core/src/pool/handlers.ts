import { Effect, Queue, Stream } from "effect"
import { Digested, Progress } from "../domain/HashEvent.js"
import { Blake3SubtreeHasher } from "../primitives/blake3Tree.js"
import { HashKernel } from "../primitives/HashKernel.js"
import { toHex } from "../primitives/IncrementalHasher.js"
import { ByteSource, forEachChunk } from "../stream/ByteSource.js"
import { HashRpcs } from "./HashRpcs.js"

/** How often a worker reports progress, in bytes read. */
export const PROGRESS_EVERY_BYTES = 16 * 1024 * 1024

/**
 * The worker's side of the pool: the same handlers run in a worker thread, a Web Worker
 * or inline, over whatever ByteSource and HashKernel the environment provides.
 */
export const HashHandlersLive = HashRpcs.toLayer(Effect.gen(function*() {
  const sources = yield* ByteSource
  const kernel = yield* HashKernel
  return HashRpcs.of({
    HashSource: ({ algorithms, source }) =>
      Stream.callback<Progress | Digested, import("../domain/HashError.js").HashError>((queue) =>
        Effect.gen(function*() {
          const hashers = yield* Effect.forEach(algorithms, (algorithm) => kernel.make(algorithm))
          const reader = yield* sources.open(source)
          const total = reader.size
          let bytes = 0
          let reported = 0
          yield* forEachChunk(reader, (chunk) => {
            for (const hasher of hashers) hasher.update(chunk)
            bytes += chunk.length
            if (bytes - reported >= PROGRESS_EVERY_BYTES) {
              reported = bytes
              Queue.offerUnsafe(queue, new Progress({ bytes, ...(total === undefined ? {} : { total }) }))
            }
          })
          const digests: Record<string, string> = {}
          algorithms.forEach((algorithm, i) => {
            digests[algorithm] = toHex(hashers[i]!.digest())
          })
          yield* Queue.offer(queue, new Digested({ digests, bytes }))
          yield* Queue.end(queue)
        })
      ),
    Blake3Subtree: ({ length, offset, source, startChunk }) =>
      Effect.scoped(Effect.gen(function*() {
        const reader = yield* sources.open(source)
        const hasher = new Blake3SubtreeHasher(startChunk)
        yield* forEachChunk(reader, (chunk) => {
          hasher.update(chunk)
        }, { offset, length })
        return { cv: new Uint8Array(hasher.chainingValue()) }
      })),
    SourceSize: ({ source }) =>
      Effect.scoped(Effect.map(sources.open(source), (reader) => reader.size))
  })
}))
