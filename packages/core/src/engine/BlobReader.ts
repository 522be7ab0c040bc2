import { Effect } from "effect"
import { ReadFailed, sourceError } from "./errors.js"
import type { BlobLike } from "./Source.js"
import type { ByteReader } from "./ByteSource.js"

/**
 * Reads a `Blob` (a browser `File`, or a Node `Blob`) in slices: only the slice being
 * read is in memory. A file that changed or vanished since it was picked fails to read.
 */
export const blobReader = (name: string, blob: BlobLike, chunkSize?: number): ByteReader => ({
  size: blob.size,
  chunkSize,
  read: (buffer, position, length) =>
    // Past the end there is nothing to ask the browser for: that read would be a round trip to
    // its file reader for 0 bytes, once per file. A first read (an empty file) still asks, to fail if it went.
    (position ?? 0) > 0 && (position ?? 0) >= blob.size ? Effect.succeed(0) : Effect.tryPromise({
      try: async () => {
        const start = position ?? 0
        const bytes = new Uint8Array(await blob.slice(start, Math.min(start + length, blob.size)).arrayBuffer())
        buffer.set(bytes)
        return bytes.length
      },
      catch: (cause) => sourceError(new ReadFailed({ path: name, code: (cause as Error | undefined)?.name ?? "NotReadableError" }))
    })
})
