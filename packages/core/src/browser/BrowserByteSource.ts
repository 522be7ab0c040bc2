/**
 * Sources in a browser: a `File` or `Blob` read in slices. A page has no paths and no
 * standard input; such sources fail with a typed `ReadFailed`, never a defect.
 */
import { Effect, Layer } from "effect"
import { ReadFailed, type SourceError, sourceError } from "../engine/errors.js"
import { type Source, sourceName } from "../engine/Source.js"
import { blobReader } from "../engine/BlobReader.js"
import { ByteSource, type ByteReader } from "../engine/ByteSource.js"
import { type ByobReader, type ByteStream, byobReader, type ChunkReader } from "./byteStream.js"

/** The `ReadFailed` code of a source the browser cannot open (the DOMException name for it). */
export const UNSUPPORTED_SOURCE = "NotSupportedError"

/**
 * A Web Worker reads a `File` in slices this large: each slice is a round trip to the
 * browser's file reader, and with 1 MiB slices that cost as much as hashing them.
 */
export const WORKER_READ_SIZE = 8 * 1024 * 1024

export const openSource = (source: Source, chunkSize?: number): Effect.Effect<ByteReader, SourceError> =>
  source._tag === "BlobSource"
    ? Effect.succeed(blobReader(source.name, source.blob, chunkSize))
    : Effect.fail(sourceError(new ReadFailed({ path: sourceName(source), code: UNSUPPORTED_SOURCE })))

/**
 * Ranges up to this long are left to positional reads: one `arrayBuffer()` answers them,
 * as a stream would in one chunk (1,000 files of 4 KiB were no faster streamed).
 */
export const STREAM_FROM_BYTES = 1024 * 1024

interface StreamableBlob {
  slice(start: number, end: number): { stream?: () => ByteStream }
}

/**
 * A streamed range is handed on in slices this large where the browser offers a BYOB
 * reader: it writes the file's bytes straight into the slice, which is used again for the
 * next, instead of a chunk allocated per read (64 KiB to 2 MiB in Chromium, mostly 64 KiB
 * when the cores are busy) that is left to collect. Measured in a Chromium Web Worker on
 * 256 MiB, reading only: 50-130 ms of the worker's CPU against 200-260 ms, 0.3-0.5 s of
 * Chromium's CPU in all against 0.5-0.8 s, and twice as fast.
 */
export const STREAM_SLICE = 4 * 1024 * 1024

/** Slices kept for the next range (a Web Worker streams one or two ranges at a time). */
const freeSlices: Array<ArrayBuffer> = []
const FREE_SLICES = 2

/** A slice of `size` bytes (at most `STREAM_SLICE`), on a kept buffer when there is one. */
const takeSlice = (size: number): Uint8Array => {
  const kept = freeSlices.pop()
  return kept === undefined ? new Uint8Array(size) : new Uint8Array(kept, 0, size)
}

const giveSlice = (slice: Uint8Array | undefined): void => {
  // Only full-size buffers are kept (a shorter one would not fit the next range); one a
  // read still held when the range was interrupted is detached (empty) and not kept either.
  if (slice !== undefined && slice.buffer.byteLength === STREAM_SLICE && freeSlices.length < FREE_SLICES) {
    freeSlices.push(slice.buffer as ArrayBuffer)
  }
}

const readFailed = (name: string) => (cause: unknown) =>
  sourceError(new ReadFailed({ path: name, code: (cause as Error | undefined)?.name ?? "NotReadableError" }))

/**
 * A range of a `Blob` through one `ReadableStream` (`blob.slice().stream()`), handed on as
 * it comes: Chromium then keeps its file reader busy while the slice before is hashed, and
 * spends about a quarter less CPU per byte than on 8 MiB `arrayBuffer()` slices (in a Web
 * Worker, 256 MiB: ~480 ms of CPU against ~620 ms). With a BYOB reader, in `STREAM_SLICE`
 * slices (the last shorter); otherwise each chunk as the stream gives it. Undefined where
 * a `Blob` cannot stream, for an empty range (whose one positional read still fails when
 * the file went), and for a range of at most `from` bytes.
 */
export const streamRange = (name: string, blob: StreamableBlob, from: number = STREAM_FROM_BYTES) =>
<E>(
  offset: number,
  length: number,
  onChunk: (chunk: Uint8Array) => Effect.Effect<void, E> | void
): Effect.Effect<number, SourceError | E> | undefined => {
  if (length <= 0 || length <= from) return undefined
  const slice = blob.slice(offset, offset + length)
  if (typeof slice.stream !== "function") return undefined
  return Effect.suspend(() => {
    const stream = slice.stream!()
    const byob = byobReader(stream)
    const reader: ChunkReader | ByobReader = byob ?? stream.getReader()
    let bytes = 0
    let loop: Effect.Effect<number, SourceError | E>
    let buffer: Uint8Array | undefined
    if (byob !== undefined) {
      // The slice's length, kept apart: a read detaches the view it is given.
      const capacity = Math.min(STREAM_SLICE, length)
      buffer = takeSlice(capacity)
      let filled = 0
      const handOn = (done: boolean): Effect.Effect<number, SourceError | E> => {
        const full = buffer!.subarray(0, filled)
        filled = 0
        const result = full.length === 0 ? undefined : onChunk(full)
        const next = done ? Effect.succeed(bytes) : loop
        return result === undefined ? next : Effect.andThen(result, next)
      }
      loop = Effect.flatMap(
        Effect.tryPromise({ try: () => byob.read(buffer!.subarray(filled)), catch: readFailed(name) }),
        ({ done, value }) => {
          // The read took the slice's buffer and gives it back, filled a little further; a
          // read that gives nothing back (a stream cancelled under it) lost the slice.
          if (value === undefined) return Effect.fail(readFailed(name)(undefined))
          buffer = new Uint8Array(value.buffer as ArrayBuffer, 0, capacity)
          filled += value.length
          bytes += value.length
          if (done || filled === capacity) return handOn(done)
          return loop
        }
      )
    } else {
      const chunks = reader as ChunkReader
      loop = Effect.flatMap(
        Effect.tryPromise({ try: () => chunks.read(), catch: readFailed(name) }),
        ({ done, value }) => {
          if (done || value === undefined) return Effect.succeed(bytes)
          bytes += value.length
          const result = onChunk(value)
          return result === undefined ? loop : Effect.andThen(result, loop)
        }
      )
    }
    // An interrupted or failed read lets the browser stop reading ahead.
    return Effect.onExit(loop, (exit) =>
      Effect.sync(() => {
        if (exit._tag === "Success") giveSlice(buffer)
        else void reader.cancel().catch(() => undefined)
      }))
  })
}

/** `openSource` whose reader also streams ranges (`ByteReader.forEachRange`). */
export const openStreaming = (source: Source, chunkSize?: number): Effect.Effect<ByteReader, SourceError> =>
  Effect.map(openSource(source, chunkSize), (reader) =>
    source._tag === "BlobSource"
      ? { ...reader, forEachRange: streamRange(source.name, source.blob as unknown as StreamableBlob) }
      : reader)

/**
 * A batch's small `File`s are read joined into one `Blob` of at most this many bytes: one
 * round trip to the browser's file reader for a run of files instead of one per file.
 * Measured in a Chromium Web Worker, 1,000 files of 4 KiB read and digested: 180-220 ms of
 * Chromium's CPU in all with runs of 128 files against 320-420 ms for one read per file
 * with 8 in flight, and 210-530 ms of wall time against 360-520 ms.
 */
export const JOIN_BYTES = 4 * 1024 * 1024
/** Joined reads in flight at once: the browser reads the next run while this one is hashed. */
export const JOINED_READS_IN_FLIGHT = 2

/**
 * `ByteSource.readJoined` for `Blob`s: runs of consecutive sources of up to `JOIN_BYTES`
 * in all, each read as one `Blob` of them. A source that is not a `Blob`, is empty (its one
 * read must still fail if the file went) or larger than a run, a run of one, and every
 * source of a run whose read failed or came back short (a file changed since it was
 * picked) are left to the caller, which reads them one by one. Memory: at most
 * `JOINED_READS_IN_FLIGHT` runs.
 */
export const readJoined = <E>(
  sources: ReadonlyArray<Source>,
  onWhole: (index: number, bytes: Uint8Array) => Effect.Effect<void, E>
): Effect.Effect<ReadonlyArray<number>, E> | undefined => {
  const BlobClass = (globalThis as { readonly Blob?: typeof Blob }).Blob
  if (BlobClass === undefined) return undefined
  const blobAt = (index: number): Blob | undefined => {
    const source = sources[index]!
    return source._tag === "BlobSource" && source.blob instanceof BlobClass ? source.blob : undefined
  }
  const left: Array<number> = []
  const runs: Array<Array<number>> = []
  let run: Array<number> = []
  let runBytes = 0
  const endRun = () => {
    if (run.length > 1) runs.push(run)
    else left.push(...run)
    run = []
    runBytes = 0
  }
  for (let index = 0; index < sources.length; index++) {
    const size = blobAt(index)?.size ?? 0
    if (size === 0 || size > JOIN_BYTES) {
      left.push(index)
      continue
    }
    if (runBytes + size > JOIN_BYTES) endRun()
    run.push(index)
    runBytes += size
  }
  endRun()
  if (runs.length === 0) return undefined
  const readRun = (indexes: ReadonlyArray<number>) => {
    const blobs = indexes.map((index) => blobAt(index)!)
    const sizes = blobs.map((blob) => blob.size)
    const total = sizes.reduce((sum, size) => sum + size, 0)
    return Effect.flatMap(
      Effect.promise(() => new BlobClass(blobs).arrayBuffer().then((buffer) => buffer, () => undefined)),
      (buffer) => {
        if (buffer === undefined || buffer.byteLength !== total) {
          left.push(...indexes)
          return Effect.void
        }
        let at = 0
        return Effect.forEach(indexes, (index, i) => {
          const bytes = new Uint8Array(buffer, at, sizes[i]!)
          at += sizes[i]!
          return onWhole(index, bytes)
        }, { discard: true })
      }
    )
  }
  return Effect.as(
    Effect.forEach(runs, readRun, { concurrency: JOINED_READS_IN_FLIGHT, discard: true }),
    left
  ).pipe(Effect.map((indexes) => [...indexes].sort((a, b) => a - b)))
}

/** `File`s and `Blob`s, for a Web Worker: a range through one stream, each chunk hashed as it comes; a batch's small ones joined. */
export const layer: Layer.Layer<ByteSource> = Layer.succeed(ByteSource)({
  open: (source) => openStreaming(source, WORKER_READ_SIZE),
  readJoined
})

/**
 * Reads on the main thread are at most this long. With every algorithm at once the portable
 * kernels hash 256 KiB in about 6 ms (1 MiB would take about 25), inside a 16 ms frame.
 */
export const INLINE_READ_SIZE = 256 * 1024

interface TaskScheduler {
  readonly yield?: () => Promise<void>
}

interface ChannelPort {
  onmessage: (() => void) | null
  postMessage(message: unknown): void
  close(): void
}

/** Resolves in a later task, so input and rendering run first; `setTimeout` would be clamped to 4 ms. */
export const nextTask = (): Promise<void> => {
  const scheduler = (globalThis as { readonly scheduler?: TaskScheduler }).scheduler
  if (typeof scheduler?.yield === "function") return scheduler.yield()
  return new Promise((resolve) => {
    const channel = new (globalThis as unknown as { readonly MessageChannel: new() => { port1: ChannelPort; port2: ChannelPort } })
      .MessageChannel()
    channel.port1.onmessage = () => {
      channel.port1.close()
      resolve()
    }
    channel.port2.postMessage(undefined)
  })
}

/** Short reads that first give the event loop a turn; a short read is allowed by `ByteReader`. */
export const yieldingReader = (reader: ByteReader, readSize: number = INLINE_READ_SIZE): ByteReader => ({
  size: reader.size,
  read: (buffer, position, length) =>
    Effect.andThen(Effect.promise(nextTask), reader.read(buffer, position, Math.min(length, readSize)))
})

/** `File`s and `Blob`s on the main thread: small slices, a yield before each, so the page stays responsive. */
export const layerInline: Layer.Layer<ByteSource> = Layer.succeed(ByteSource)({
  open: (source) => Effect.map(openSource(source), (reader) => yieldingReader(reader))
})
