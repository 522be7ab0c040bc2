/**
 * `File`s read on a thread of their own: each of the pool's Web Workers spawns one reader
 * thread (`blob-reader-worker.ts`) the first time it streams a range, and hashes slice n
 * while that thread reads slice n + 1 and Chromium hands its bytes over there. In one
 * thread, reading costs the hashing thread about a quarter of its time (256 MiB in
 * Chromium: ~250 ms of the worker's CPU against ~900 ms for SHA-256 itself).
 *
 * Slices are transferred both ways, never copied or cloned, and at most `READ_AHEAD` are
 * out per range: memory is `(READ_AHEAD + 1) x THREAD_SLICE` per range being read. Where
 * the reader thread cannot start (no nested workers, a policy refusing it), the rest of
 * the range is streamed on the worker's own thread (`streamRange`).
 */
import { Effect, Layer, Queue } from "effect"
import { ReadFailed, type SourceError, sourceError } from "../engine/errors.js"
import { ByteSource, type ByteReader } from "../engine/ByteSource.js"
import type { Source } from "../engine/Source.js"
import { openStreaming, readJoined, streamRange, WORKER_READ_SIZE } from "./BrowserByteSource.js"

/** The reader thread's slices: one hash call per slice, ~14 ms of SHA-256. */
export const THREAD_SLICE = 4 * 1024 * 1024
/** Slices out at once per range, read but not yet given back. */
export const READ_AHEAD = 2
/**
 * Ranges this long or longer go to the reader thread: a large file hashed whole on one
 * worker, while other cores are free for reading. Shorter ones are read in-thread: among
 * them the subtrees of a BLAKE3 spread over every worker (16 MiB at most), where every
 * core already hashes and a reader thread per worker would only take turns with them
 * (measured on 2 cores: 0.5x hash-wasm with reader threads against 1.2x without).
 */
export const THREAD_FROM_BYTES = 32 * 1024 * 1024

export type ReaderRequest =
  | { readonly op: "read"; readonly id: number; readonly blob: Blob; readonly offset: number; readonly length: number; readonly slice: number; readonly depth: number }
  | { readonly op: "return"; readonly id: number; readonly buffer: ArrayBuffer }
  | { readonly op: "cancel"; readonly id: number }

export type ReaderReply =
  | { readonly id: number; readonly buffer: ArrayBuffer; readonly bytes: number }
  | { readonly id: number; readonly end: number }
  | { readonly id: number; readonly error: string }

/** A reply for every range when the thread itself failed: they go on without it. */
type Reply = ReaderReply | { readonly id: number; readonly unavailable: true }

/** What the consumer needs of a `Worker`. */
export interface ReaderThread {
  postMessage(message: ReaderRequest, transfer: Array<ArrayBuffer>): void
  addEventListener(type: "message" | "error", listener: (event: { readonly data?: unknown }) => void): void
}

/**
 * Reads ranges on the thread `spawn` makes (once, on first use). `spawn` returning
 * undefined or throwing, or the thread failing, leaves every range to `streamRange`.
 */
export const makeReaderThread = (spawn: () => ReaderThread | undefined) => {
  let thread: ReaderThread | undefined
  let failed = false
  let nextId = 0
  const listeners = new Map<number, (reply: Reply) => void>()
  const fail = () => {
    failed = true
    for (const [id, listener] of listeners) listener({ id, unavailable: true })
    listeners.clear()
  }
  const start = (): ReaderThread | undefined => {
    if (failed) return undefined
    if (thread !== undefined) return thread
    try {
      thread = spawn()
    } catch {
      thread = undefined
    }
    if (thread === undefined) {
      failed = true
      return undefined
    }
    thread.addEventListener("message", ({ data }) => {
      const reply = data as ReaderReply
      listeners.get(reply.id)?.(reply)
    })
    thread.addEventListener("error", fail)
    return thread
  }

  /** `ByteReader.forEachRange` for `blob`, on the reader thread. */
  return (name: string, blob: Blob) =>
  <E>(
    offset: number,
    length: number,
    onChunk: (chunk: Uint8Array) => Effect.Effect<void, E> | void
  ): Effect.Effect<number, SourceError | E> | undefined => {
    if (length <= 0) return undefined
    const streamable = blob as unknown as Parameters<typeof streamRange>[1]
    if (length < THREAD_FROM_BYTES || typeof streamable.slice(0, 0).stream !== "function" || start() === undefined) {
      return streamRange(name, streamable)(offset, length, onChunk)
    }
    // What is left of a range the thread began, however short, is streamed here.
    const inThread = streamRange(name, streamable, 0)
    return Effect.flatMap(Queue.unbounded<Reply>(), (replies): Effect.Effect<number, SourceError | E> => {
      const reader = start()
      if (reader === undefined) return inThread(offset, length, onChunk) ?? Effect.succeed(0)
      const id = nextId++
      listeners.set(id, (reply) => Queue.offerUnsafe(replies, reply))
      let finished = false
      let bytes = 0
      reader.postMessage({ op: "read", id, blob, offset, length, slice: THREAD_SLICE, depth: READ_AHEAD }, [])
      const loop: Effect.Effect<number, SourceError | E> = Effect.flatMap(Queue.take(replies), (reply) => {
        if ("buffer" in reply) {
          bytes += reply.bytes
          const result = onChunk(new Uint8Array(reply.buffer, 0, reply.bytes))
          const giveBack = Effect.sync(() => reader.postMessage({ op: "return", id, buffer: reply.buffer }, [reply.buffer]))
          return result === undefined ? Effect.andThen(giveBack, loop) : Effect.andThen(result, Effect.andThen(giveBack, loop))
        }
        finished = true
        if ("end" in reply) return Effect.succeed(bytes)
        if ("error" in reply) return Effect.fail(sourceError(new ReadFailed({ path: name, code: reply.error })))
        // The thread went away: the rest of the range on this one.
        return Effect.map(inThread(offset + bytes, length - bytes, onChunk) ?? Effect.succeed(0), (n) => bytes + n)
      })
      return Effect.onExit(loop, () =>
        Effect.sync(() => {
          listeners.delete(id)
          if (!finished && !failed) reader.postMessage({ op: "cancel", id }, [])
        }))
    })
  }
}

interface WorkerConstructor {
  new(url: URL, options: { readonly type: "module" }): ReaderThread
}

/** This worker's reader thread: `blob-reader-worker.ts`, a module worker beside this one. */
const spawnBeside = (): ReaderThread | undefined => {
  const Worker = (globalThis as { readonly Worker?: WorkerConstructor }).Worker
  return Worker === undefined ? undefined : new Worker(new URL("./blob-reader-worker.js", import.meta.url), { type: "module" })
}

/**
 * `File`s and `Blob`s for a pool's Web Worker: ranges read on its reader thread (or on
 * its own where that cannot start), positional reads and a batch's small files joined as `BrowserByteSource.layer`.
 */
export const layer: Layer.Layer<ByteSource> = Layer.sync(ByteSource)(() => {
  const onThread = makeReaderThread(spawnBeside)
  const open = (source: Source): Effect.Effect<ByteReader, SourceError> =>
    Effect.map(openStreaming(source, WORKER_READ_SIZE), (reader) =>
      source._tag === "BlobSource" ? { ...reader, forEachRange: onThread(source.name, source.blob as Blob) } : reader)
  return { open, readJoined }
})
