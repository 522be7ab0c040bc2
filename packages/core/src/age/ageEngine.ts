/**
 * What encryption and decryption share on the engine: the key kernel whose scrypt runs as a
 * derive task on the pool (never on the calling thread, which may be a page's), the pieces
 * of a byte stream read by the calling thread, and how the pool runs age's tasks.
 */
import { Effect, Option, Stream } from "effect"
import { derive } from "../derive/derive.js"
import { ByteSource } from "../engine/ByteSource.js"
import { ReadFailed, type SourceError, sourceError } from "../engine/errors.js"
import { Deadline, type TaskPolicy } from "../engine/pool/TaskPolicy.js"
import { WorkerPool } from "../engine/pool/poolService.js"
import { rechunk } from "../engine/ByteSink.js"
import { type Source, sourceName } from "../engine/Source.js"
import type { AgeKeyKernel } from "./AgeKeyKernel.js"
import { AgeRpcs } from "./AgeRpcs.js"

/** RSA-OAEP where the platform gave no kernel: an `ssh-rsa` recipient or identity then cannot be used. */
const noRsa = (): Promise<never> => Promise.reject(new Error("ssh-rsa needs a platform key kernel (Node: nodeAgeKeyKernel)"))

/**
 * `kernel`'s RSA-OAEP and X25519, and scrypt as one derive task on `pool` (as derive's,
 * never on a page's main thread), or the kernel's own where it runs off the calling thread.
 */
export const poolKeyKernel = (pool: WorkerPool["Service"], kernel: AgeKeyKernel | undefined): AgeKeyKernel => ({
  name: kernel?.name ?? "portable",
  rsaOaepEncrypt: kernel?.rsaOaepEncrypt ?? noRsa,
  rsaOaepDecrypt: kernel?.rsaOaepDecrypt ?? noRsa,
  ...(kernel?.x25519 === undefined ? {} : { x25519: kernel.x25519 }),
  scrypt: kernel?.scryptOffThread === true ? kernel.scrypt : (passphrase, salt, logN) =>
    Effect.runPromise(derive(
      { algorithm: "scrypt", password: passphrase, salt, logN, r: 8, p: 1, length: 32 },
      // age's own bound on the work factor is the caller's (22 by default); memory is what it needs.
      { maxMemoryBytes: 2 * 128 * 8 * 2 ** logN + 64 * 1024 * 1024 }
    ).pipe(Effect.provideService(WorkerPool, pool)))
})

/** How the pool runs one piece: bytes-based deadline, retried after a crash (a piece is a pure function of its inputs). */
export const piecePolicy = (bytes: number): TaskPolicy => ({ deadline: Deadline.bytes(bytes), idempotent: true, fallback: true })

/** Tasks in flight: two per worker keeps each busy while its next piece is read (design §5.4). */
export const inFlight = (pool: WorkerPool["Service"]): number => Math.max(1, pool.size * 2)

/**
 * Chunks per task where the workers read the source and write the sink themselves (a sized
 * file to a file): few, large tasks, since each costs both threads an RPC (~1 ms of this
 * thread's CPU for a 4 MiB piece, 0.2 s per GiB), and the worker goes through a task in
 * steps of its own (`STEP_CHUNKS`), so a task's size costs no memory. About `TASKS_PER_WORKER`
 * tasks per worker keep them evenly busy to the end; at most `MAX_TASK_CHUNKS` (64 MiB) each.
 * An explicit `chunksPerPiece` is kept as it is.
 */
export const taskChunks = (chunks: number, pool: WorkerPool["Service"], chunksPerPiece: number | undefined, fallback: number): number => {
  if (chunksPerPiece !== undefined) return chunksPerPiece
  return Math.max(fallback, Math.min(MAX_TASK_CHUNKS, Math.ceil(chunks / (Math.max(1, pool.size) * TASKS_PER_WORKER))))
}
const TASKS_PER_WORKER = 8
const MAX_TASK_CHUNKS = 1024

/** A block of a stream read by the calling thread, and whether it is the last. */
export interface Block {
  readonly bytes: Uint8Array
  readonly final: boolean
}

/**
 * `stream` in blocks of exactly `size` bytes (the last shorter, or one empty block for an
 * empty stream), each knowing whether it is the last: one block of look-ahead.
 */
export const blocks = <E, R>(stream: Stream.Stream<Uint8Array, E, R>, size: number): Stream.Stream<Block, E, R> =>
  stream.pipe(
    rechunk(size),
    Stream.zipWithNext,
    Stream.map(([bytes, next]): Block => ({ bytes, final: Option.isNone(next) })),
    Stream.orElseIfEmpty((): Stream.Stream<Block> => Stream.make({ bytes: new Uint8Array(0), final: true }))
  )

/**
 * A source's size and its first `length` bytes (a header's prefix): read here where the
 * environment can read a file by path on this thread (Node's `NodeByteSource.layer`,
 * through libuv's pool: it never blocks), otherwise by a worker (`AgeProbe`). Read here,
 * the header is parsed and its stanzas unwrapped (a passphrase's scrypt on libuv's pool
 * too) while the workers are still starting, instead of after the first of them has.
 */
export const probeSource = (source: Source, length: number) =>
  Effect.gen(function*() {
    const sources = yield* Effect.serviceOption(ByteSource)
    if (source._tag !== "PathSource" || Option.isNone(sources)) {
      const pool = yield* WorkerPool
      return yield* pool.client(AgeRpcs).run(piecePolicy(length), (client) => client.AgeProbe({ source, length }))
    }
    return yield* Effect.scoped(Effect.gen(function*() {
      const reader = yield* sources.value.open(source)
      const prefix = new Uint8Array(reader.size === undefined ? 0 : Math.min(length, reader.size))
      let n = 0
      while (n < prefix.length) {
        const got = yield* reader.read(prefix.subarray(n), n, prefix.length - n)
        if (got === 0) break
        n += got
      }
      return { size: reader.size, prefix: prefix.subarray(0, n) }
    }))
  })

/** The bytes of a source of unknown size (a pipe, standard input), read here through the environment's `ByteSource`. */
export const sourceBytes = (source: Source): Stream.Stream<Uint8Array, SourceError> =>
  Stream.unwrap(Effect.gen(function*() {
    const sources = yield* Effect.serviceOption(ByteSource)
    if (Option.isNone(sources)) {
      return yield* Effect.fail(sourceError(new ReadFailed({ path: sourceName(source), code: "ENOTSUP" })))
    }
    const reader = yield* sources.value.open(source)
    return Stream.unfold(undefined, () =>
      Effect.gen(function*() {
        const buffer = new Uint8Array(1024 * 1024)
        const n = yield* reader.read(buffer, undefined, buffer.length)
        return n === 0 ? undefined : [buffer.subarray(0, n), undefined] as const
      }))
  }))
