/**
 * Sources in a browser: a `File` or `Blob` read in slices. A page has no paths and no
 * standard input; such sources fail with a typed `ReadFailed`, never a defect.
 */
import { Effect, Layer } from "effect"
import { ReadFailed, type SourceError, sourceError } from "../engine/errors.js"
import { type Source, sourceName } from "../engine/Source.js"
import { blobReader } from "../engine/BlobReader.js"
import { ByteSource, type ByteReader } from "../engine/ByteSource.js"

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

/** The part of a `ReadableStreamDefaultReader` of bytes used here. */
interface ChunkReader {
  read(): Promise<{ readonly done: boolean; readonly value?: Uint8Array | undefined }>
  cancel(): Promise<void>
}

interface StreamableBlob {
  slice(start: number, end: number): { stream?: () => { getReader(): ChunkReader } }
}

const readFailed = (name: string) => (cause: unknown) =>
  sourceError(new ReadFailed({ path: name, code: (cause as Error | undefined)?.name ?? "NotReadableError" }))

/**
 * A range of a `Blob` through one `ReadableStream` (`blob.slice().stream()`), each chunk
 * handed on as it comes: Chromium then keeps its file reader busy while the chunk before
 * is hashed, and spends about a quarter less CPU per byte than on 8 MiB `arrayBuffer()`
 * slices (in a Web Worker, 256 MiB: ~480 ms of CPU against ~620 ms). Undefined where a
 * `Blob` cannot stream, for an empty range (whose one positional read still fails when
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
    const reader = slice.stream!().getReader()
    let bytes = 0
    const loop: Effect.Effect<number, SourceError | E> = Effect.flatMap(
      Effect.tryPromise({ try: () => reader.read(), catch: readFailed(name) }),
      ({ done, value }) => {
        if (done || value === undefined) return Effect.succeed(bytes)
        bytes += value.length
        const result = onChunk(value)
        return result === undefined ? loop : Effect.andThen(result, loop)
      }
    )
    // An interrupted or failed read lets the browser stop reading ahead.
    return Effect.onExit(loop, () => Effect.sync(() => void reader.cancel().catch(() => undefined)))
  })
}

/** `openSource` whose reader also streams ranges (`ByteReader.forEachRange`). */
export const openStreaming = (source: Source, chunkSize?: number): Effect.Effect<ByteReader, SourceError> =>
  Effect.map(openSource(source, chunkSize), (reader) =>
    source._tag === "BlobSource"
      ? { ...reader, forEachRange: streamRange(source.name, source.blob as unknown as StreamableBlob) }
      : reader)

/** `File`s and `Blob`s, for a Web Worker: a range through one stream, each chunk hashed as it comes. */
export const layer: Layer.Layer<ByteSource> = Layer.succeed(ByteSource)({ open: (source) => openStreaming(source, WORKER_READ_SIZE) })

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
