/**
 * The parts of a `Blob`'s byte stream that Sluice reads with, on a Web Worker and on its
 * reader thread (`blob-reader-worker.ts`): kept free of Effect, so the reader thread stays small.
 */

/** The part of a `ReadableStreamDefaultReader` of bytes used here. */
export interface ChunkReader {
  read(): Promise<{ readonly done: boolean; readonly value?: Uint8Array | undefined }>
  cancel(): Promise<void>
}

/** The part of a `ReadableStreamBYOBReader` used here. */
export interface ByobReader {
  read(view: Uint8Array): Promise<{ readonly done: boolean; readonly value?: Uint8Array | undefined }>
  cancel(): Promise<void>
}

/** A byte stream, as `Blob.prototype.stream()` gives it. */
export interface ByteStream {
  getReader(options?: { readonly mode: "byob" }): ChunkReader | ByobReader
}

/** The stream's BYOB reader, or undefined where it has none (then its default reader is used). */
export const byobReader = (stream: ByteStream): ByobReader | undefined => {
  const Byob = (globalThis as { readonly ReadableStreamBYOBReader?: abstract new(...args: never) => unknown }).ReadableStreamBYOBReader
  if (Byob === undefined) return undefined
  try {
    const reader = stream.getReader({ mode: "byob" })
    if (reader instanceof Byob) return reader as ByobReader
    // Not a BYOB reader after all (a stream of another realm, or a stand-in): unlocked again.
    ;(reader as { releaseLock?: () => void }).releaseLock?.()
    return undefined
  } catch {
    return undefined
  }
}
