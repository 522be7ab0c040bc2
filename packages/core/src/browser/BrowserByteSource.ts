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

/** `File`s and `Blob`s, for a Web Worker: slices of `WORKER_READ_SIZE`, the next one read while the last is hashed. */
export const layer: Layer.Layer<ByteSource> = Layer.succeed(ByteSource)({ open: (source) => openSource(source, WORKER_READ_SIZE) })

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
