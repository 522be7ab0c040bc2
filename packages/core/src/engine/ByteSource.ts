import { Context, Effect, Fiber, type Scope } from "effect"
import type { SourceError } from "./errors.js"
import type { Source } from "./Source.js"

/** An opened source. `size` is undefined for pipes, which only read forward. */
export interface ByteReader {
  readonly size: number | undefined
  /** Reads up to `length` bytes at `position` (or the current position of a pipe); 0 at the end. */
  readonly read: (buffer: Uint8Array, position: number | undefined, length: number) => Effect.Effect<number, SourceError>
  /**
   * The same read, blocking the calling thread: cheaper than a round trip to an I/O
   * pool for a positional read from the page cache. Only offered where a thread may block
   * (a worker), never on a UI thread.
   */
  readonly readSync?: ((buffer: Uint8Array, position: number, length: number) => number) | undefined
  /**
   * The positional read with a plain callback (`done` once, with an error or the byte
   * count), no Effect: reads kept in flight ahead of a large file's hash then cost a system
   * thread's round trip each, not a fiber's (`readAhead`).
   */
  readonly readInto?:
    | ((buffer: Uint8Array, position: number, length: number, done: (error: SourceError | undefined, bytes: number) => void) => void)
    | undefined
  /**
   * The chunk size this reader is fastest with, when the caller does not choose one: a
   * `Blob` costs a round trip to the browser's file reader per slice, so it reads larger ones.
   */
  readonly chunkSize?: number | undefined
  /**
   * Hands `onChunk` the bytes of `[offset, offset + length)` in order, as the source delivers
   * them (each chunk valid only during its call), and returns how many there were (fewer
   * when the source ended early). Offered by a reader that streams a range faster than it
   * answers positional reads: a browser's `File` is read through one stream (a reader
   * thread in a Web Worker) instead of a round trip to its file reader per slice.
   */
  readonly forEachRange?: <E>(
    offset: number,
    length: number,
    onChunk: (chunk: Uint8Array) => Effect.Effect<void, E> | void
  ) => Effect.Effect<number, SourceError | E> | undefined
}

/** What `readPathSync` read: the bytes, and the file's content-identity key after the last read when asked. */
export interface PathRead {
  readonly bytes: number
  readonly stamp?: string | undefined
}

/** Opens sources where the work happens: in a worker, from a path, a descriptor or a `File`. */
export class ByteSource extends Context.Service<ByteSource, {
  readonly open: (source: Source) => Effect.Effect<ByteReader, SourceError, Scope.Scope>
  /**
   * Reads the whole file named `path` (or `bytes`, when its name is not UTF-8) with
   * blocking calls, handing each chunk to `onChunk` (valid only during the call; `last`
   * when the read knows it is the file's last, as a small file's one chunk is), and
   * returns how many bytes it read (with `stamp`, also the file's metadata once read: the
   * result cache's content-identity key, so the caller can tell without a stat of its own
   * whether the file changed while it was read); throws a `SourceError`. A batch of small files then
   * costs a few system calls each, and no Effect. Offered only where a thread may block
   * (a worker), never on a UI thread.
   */
  readonly readPathSync?:
    | ((path: string, bytes: Uint8Array | undefined, onChunk: (chunk: Uint8Array, last: boolean) => void, stamp: boolean) => PathRead)
    | undefined
  /**
   * The size of the regular file named `path` (or `bytes`) from one blocking stat, without
   * opening it; undefined for anything else or nothing there. Where a thread may block.
   */
  readonly sizePathSync?: ((path: string, bytes: Uint8Array | undefined) => number | undefined) | undefined
  /**
   * Reads a batch's small sources whole, several in one read where the platform can join
   * them (a browser concatenates `File`s into one `Blob`: one round trip to its file reader
   * for many files instead of one each), handing `onWhole` each source's index and bytes
   * (valid only during the call). Returns the indexes it did not read (a source it cannot
   * join, or one whose joined read failed), for the caller to read one by one, which also
   * names the file that failed. Undefined where nothing can be joined.
   */
  readonly readJoined?:
    | (<E>(
      sources: ReadonlyArray<Source>,
      onWhole: (index: number, bytes: Uint8Array) => Effect.Effect<void, E>
    ) => Effect.Effect<ReadonlyArray<number>, E> | undefined)
    | undefined
}>()("@sluice/core/ByteSource") {}

export const DEFAULT_CHUNK_SIZE = 1024 * 1024
/**
 * A range at most this large is read with blocking reads where the reader has them (no
 * round trip to an I/O thread, which a small file would mostly pay for); a larger one
 * with reads in flight while the previous chunk is consumed, so a fast kernel hashes
 * while another core copies the next chunk. 1 GiB from the page cache, one thread:
 * native BLAKE3 ~270 ms against ~375 ms with blocking reads, SHA-256 ~620 against ~785 ms.
 */
export const BLOCKING_READ_BYTES = 8 * 1024 * 1024
/** A blocking read loop lets its thread's event loop turn at least this often. */
export const YIELD_EVERY_MS = 50

/**
 * Read buffers kept for reuse on this thread: a worker hashing subtree after subtree
 * would otherwise leave a chunk-sized buffer behind for the collector each time.
 */
const spare: Array<Uint8Array> = []
const SPARE_LIMIT = 4

const takeBuffer = (size: number): Uint8Array => {
  const i = spare.findIndex((b) => b.length >= size)
  return i >= 0 ? spare.splice(i, 1)[0]!.subarray(0, size) : new Uint8Array(size)
}

const giveBack = (buffer: Uint8Array) => {
  if (spare.length < SPARE_LIMIT && buffer.byteOffset === 0) spare.push(new Uint8Array(buffer.buffer))
}

/**
 * Reads a positional range larger than `BLOCKING_READ_BYTES` keeps in flight ahead of the
 * chunk being consumed: each is a round trip to an I/O thread, and with one a native kernel
 * waited for its next chunk. 1 GiB from the page cache, CLI, quiet 2-core machine, 6
 * alternating runs: BLAKE3 (native) 0.62-0.65 -> 0.48-0.55 s, SHA-256 1.05-1.17 ->
 * 0.82-0.94 s (`openssl dgst -sha256`: 0.82-0.86 s). Chunks of 4 MiB were no faster than
 * 1 MiB ones, which stay in the CPU's cache between the copy and the hash.
 */
export const READS_IN_FLIGHT = 2

/**
 * Calls `onChunk` with consecutive chunks of `[offset, offset + length)` (to the end when
 * `length` is undefined). Reused buffers: the next reads are in flight while the current
 * chunk is consumed, so memory is a few chunks whatever the size of the source. A chunk
 * is only valid during its callback.
 */
export const forEachChunk = Effect.fnUntraced(function*<E = never>(
  reader: ByteReader,
  onChunk: (chunk: Uint8Array) => Effect.Effect<void, E> | void,
  options: { readonly offset?: number; readonly length?: number; readonly chunkSize?: number } = {}
) {
  const positional = reader.size !== undefined
  let position = options.offset ?? 0
  let remaining = options.length ?? Number.POSITIVE_INFINITY
  // Buffers no larger than what there is to read (one byte more, to see the end at once):
  // a 4 KiB file costs 4 KiB, not two chunks. A file that grows is still read to its end.
  const known = reader.size === undefined ? remaining : Math.min(remaining, Math.max(0, reader.size - position) + 1)
  const chunkSize = Math.max(1, Math.min(options.chunkSize ?? reader.chunkSize ?? DEFAULT_CHUNK_SIZE, known))
  const readInto = (buffer: Uint8Array) => {
    const want = Math.min(chunkSize, remaining)
    return want <= 0 ? Effect.succeed(0) : reader.read(buffer, positional ? position : undefined, want)
  }
  if (reader.forEachRange !== undefined && positional) {
    const length = Math.min(remaining, Math.max(0, reader.size - position))
    const streamed = reader.forEachRange(position, length, onChunk)
    if (streamed !== undefined) {
      yield* streamed
      return
    }
  }
  const blocking = positional && Math.min(remaining, Math.max(0, reader.size - position)) <= BLOCKING_READ_BYTES
  if (reader.readSync !== undefined && blocking) {
    const readSync = reader.readSync
    const buffer = takeBuffer(chunkSize)
    yield* Effect.gen(function*() {
      let yieldedAt = Date.now()
      while (remaining > 0) {
        // Blocking reads keep the thread's event loop still: every so often it turns, so an
        // interrupt (a cancel, a deadline) reaches a long task within about this long.
        if (Date.now() - yieldedAt >= YIELD_EVERY_MS) {
          yield* Effect.yieldNow
          yieldedAt = Date.now()
        }
        const want = Math.min(chunkSize, remaining)
        const n = yield* Effect.try({ try: () => readSync(buffer, position, want), catch: (e) => e as SourceError })
        if (n === 0) break
        position += n
        remaining -= n
        const result = onChunk(buffer.subarray(0, n))
        if (result !== undefined) yield* result
      }
    }).pipe(Effect.ensuring(Effect.sync(() => giveBack(buffer))))
    return
  }
  if (!positional) {
    // A pipe reads forward only: one read at a time, the next while this chunk is consumed.
    const buffers = [new Uint8Array(chunkSize), new Uint8Array(chunkSize)] as const
    let which = 0
    let n = yield* readInto(buffers[0])
    while (n > 0) {
      remaining -= n
      const current = buffers[which]!.subarray(0, n)
      which ^= 1
      const next = yield* Effect.forkChild(readInto(buffers[which]!))
      const result = onChunk(current)
      if (result !== undefined) yield* result
      n = yield* Fiber.join(next)
    }
    return
  }
  if (reader.readInto !== undefined) yield* readAheadCallbacks(reader.readInto, onChunk, position, remaining, chunkSize)
  else yield* readAheadFibers(reader, onChunk, position, remaining, chunkSize)
})

/**
 * `readAheadFibers` through the reader's callback (`readInto`): whole chunks are consumed in
 * plain calls as their reads answer, and the fiber resumes only for what needs it (a
 * chunk's Effect, an error, a short read, the end). 1 GiB from the page cache through
 * native BLAKE3 on a worker, 8 alternating runs: 226 ms against 256 ms with a fiber forked
 * and joined per read, the same as a bare promise loop (227 ms). Reads still in flight when
 * the loop ends (a failure, an interrupt) are waited for, so neither their buffers nor the
 * reader's descriptor are let go under them.
 */
const readAheadCallbacks = Effect.fnUntraced(function*<E>(
  readInto: NonNullable<ByteReader["readInto"]>,
  onChunk: (chunk: Uint8Array) => Effect.Effect<void, E> | void,
  position: number,
  remaining: number,
  chunkSize: number
) {
  const size = Math.max(1, Math.min(chunkSize, remaining))
  const ring = Array.from({ length: READS_IN_FLIGHT + 1 }, () => new Uint8Array(size))
  interface Read {
    readonly buffer: Uint8Array
    readonly want: number
    done: boolean
    bytes: number
    error: SourceError | undefined
    wake: (() => void) | undefined
  }
  let slot = 0
  let ahead = 0
  // One read until the first has answered: a source that fails at once costs one failed
  // read, as each retry does; then `READS_IN_FLIGHT`, or one again after a short read.
  let inFlight = 1
  let short = false
  let outstanding = 0
  let idle: (() => void) | undefined
  const pending: Array<Read> = []
  const issue = (): boolean => {
    const want = Math.min(size, remaining - ahead)
    if (want <= 0) return false
    const read: Read = { buffer: ring[slot]!, want, done: false, bytes: 0, error: undefined, wake: undefined }
    slot = (slot + 1) % ring.length
    outstanding++
    try {
      readInto(read.buffer, position + ahead, want, onAnswer(read))
    } catch (defect) {
      // Not issued: nothing will answer for it.
      outstanding--
      throw defect
    }
    pending.push(read)
    ahead += want
    return true
  }
  /** A read's answer: it wakes the loop waiting for it, and `settled` once none is in flight. */
  const onAnswer = (read: Read) => (error: SourceError | undefined, bytes: number) => {
    read.done = true
    read.error = error
    read.bytes = bytes
    outstanding--
    const wake = read.wake
    read.wake = undefined
    wake?.()
    if (outstanding === 0 && idle !== undefined) {
      const resume = idle
      idle = undefined
      resume()
    }
  }
  const arrived = (read: Read): Effect.Effect<void> =>
    Effect.callback<void>((resume) => {
      if (read.done) return resume(Effect.void)
      read.wake = () => resume(Effect.void)
    })
  /** Every read issued has answered (its buffer and the descriptor are free again). */
  const settled: Effect.Effect<void> = Effect.callback<void>((resume) => {
    if (outstanding === 0) return resume(Effect.void)
    idle = () => resume(Effect.void)
  })
  /**
   * Consumes whole chunks in plain calls as their reads answer (a read's callback goes on
   * with the next chunk), and hands the loop below what it must do itself: a chunk's
   * Effect, or nothing when the next chunk is not a plain full one (an error, a short read,
   * the end).
   */
  const pump = Effect.callback<Effect.Effect<void, E> | undefined>((resume) => {
    let live = true
    const step = (): void => {
      while (live) {
        const head = pending[0]
        if (head === undefined || short) return resume(Effect.succeed(undefined))
        if (!head.done) {
          head.wake = step
          return
        }
        if (head.error !== undefined || head.bytes !== head.want) return resume(Effect.succeed(undefined))
        pending.shift()
        ahead -= head.want
        position += head.bytes
        remaining -= head.bytes
        inFlight = READS_IN_FLIGHT
        let result: Effect.Effect<void, E> | void
        try {
          while (pending.length < inFlight && issue()) {
            // issued
          }
          result = onChunk(head.buffer.subarray(0, head.bytes))
        } catch (defect) {
          // Called from a read's answer, a throw would escape to the event loop.
          return resume(Effect.die(defect))
        }
        if (result !== undefined) return resume(Effect.succeed(result))
      }
    }
    step()
    return Effect.sync(() => {
      live = false
    })
  })
  yield* Effect.gen(function*() {
    for (let i = 0; i < inFlight; i++) issue()
    while (pending.length > 0) {
      const next = yield* pump
      if (next !== undefined) {
        yield* next
        continue
      }
      if (pending.length === 0) break
      const head = pending.shift()!
      if (!head.done) yield* arrived(head)
      ahead -= head.want
      if (head.error !== undefined) return yield* Effect.fail(head.error)
      const n = head.bytes
      if (n === 0) break
      position += n
      remaining -= n
      if (n < head.want) {
        // Whatever was read past a short read may not follow it: read again from its end.
        pending.splice(0)
        yield* settled
        ahead = 0
        short = true
      }
      inFlight = short ? 1 : READS_IN_FLIGHT
      while (pending.length < inFlight && issue()) {
        // issued
      }
      const result = onChunk(head.buffer.subarray(0, n))
      if (result !== undefined) yield* result
    }
  }).pipe(Effect.ensuring(Effect.suspend(() => settled)))
})

/**
 * Positional reads, up to `READS_IN_FLIGHT` ahead of the chunk being consumed, in a ring of
 * buffers one larger than that: a buffer is read into again only after its chunk's callback.
 * A short read (the end of the file, or a file that shrank or grows) drops the reads issued
 * past it and goes on one read at a time from where it ended, so no byte is skipped.
 * Each read is an Effect on a fiber of its own: for a reader without `readInto` (a Blob's).
 */
const readAheadFibers = Effect.fnUntraced(function*<E>(
  reader: ByteReader,
  onChunk: (chunk: Uint8Array) => Effect.Effect<void, E> | void,
  position: number,
  remaining: number,
  chunkSize: number
) {
  const size = Math.max(1, Math.min(chunkSize, remaining))
  const ring = Array.from({ length: READS_IN_FLIGHT + 1 }, () => new Uint8Array(size))
  let slot = 0
  let ahead = 0
  let inFlight = READS_IN_FLIGHT
  const pending: Array<{ readonly fiber: Fiber.Fiber<number, SourceError>; readonly buffer: Uint8Array; readonly want: number }> = []
  const issue = Effect.fnUntraced(function*() {
    const want = Math.min(size, remaining - ahead)
    if (want <= 0) return
    const buffer = ring[slot]!
    slot = (slot + 1) % ring.length
    pending.push({ fiber: yield* Effect.forkChild(reader.read(buffer, position + ahead, want)), buffer, want })
    ahead += want
  })
  for (let i = 0; i < inFlight; i++) yield* issue()
  while (pending.length > 0) {
    const head = pending.shift()!
    const n = yield* Fiber.join(head.fiber)
    ahead -= head.want
    if (n === 0) break
    position += n
    remaining -= n
    if (n < head.want) {
      // Whatever was read past a short read may not follow it: read again from its end.
      for (const dropped of pending.splice(0)) yield* Effect.exit(Fiber.join(dropped.fiber))
      ahead = 0
      inFlight = 1
    }
    while (pending.length < inFlight) {
      const before = pending.length
      yield* issue()
      if (pending.length === before) break
    }
    const result = onChunk(head.buffer.subarray(0, n))
    if (result !== undefined) yield* result
  }
  // At the end: reads issued past it answer 0; they finish before their buffers are dropped.
  for (const rest of pending) yield* Effect.exit(Fiber.join(rest.fiber))
})
