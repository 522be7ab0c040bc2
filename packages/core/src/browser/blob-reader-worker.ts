/**
 * A reader thread for a pool's Web Worker (`BlobReaderThread`): streams ranges of `File`s
 * and transfers them, in slices, to the worker that spawned it, which hashes one slice
 * while this thread reads the next. Chromium hands a Blob stream's bytes over on the
 * thread that reads it: here, not on the hashing thread. Slices come back to be filled
 * again (kept for the next range too, a few at most), and at most `depth` are out at once
 * per range, so memory stays bounded. Where the stream offers a BYOB reader, Chromium
 * writes straight into the slice: no chunk is allocated, and none is left to collect.
 */
import type { ReaderReply, ReaderRequest } from "./BlobReaderThread.js"
import { type ByobReader, type ByteStream, byobReader, type ChunkReader } from "./byteStream.js"

interface Range {
  out: number
  cancelled: boolean
  wake: (() => void) | undefined
  reader: ChunkReader | ByobReader | undefined
}

interface Scope {
  postMessage(message: ReaderReply, transfer?: Array<ArrayBuffer>): void
  onmessage: ((event: { readonly data: ReaderRequest }) => void) | null
}

const self = globalThis as unknown as Scope
const ranges = new Map<number, Range>()
/** Slices given back, for any range of their size: a read allocates only while this is empty. */
const free: Array<ArrayBuffer> = []
const FREE_LIMIT = 3

const take = (size: number): Uint8Array => {
  const at = free.findIndex((buffer) => buffer.byteLength === size)
  return new Uint8Array(at >= 0 ? free.splice(at, 1)[0]! : new ArrayBuffer(size))
}

const post = (message: ReaderReply, transfer?: Array<ArrayBuffer>) => self.postMessage(message, transfer ?? [])

const read = async (request: Extract<ReaderRequest, { op: "read" }>) => {
  const range: Range = { out: 0, cancelled: false, wake: undefined, reader: undefined }
  ranges.set(request.id, range)
  let bytes = 0
  let slice: Uint8Array | undefined
  let filled = 0
  try {
    const stream = (request.blob.slice(request.offset, request.offset + request.length) as unknown as {
      stream(): ByteStream
    }).stream()
    const byob = byobReader(stream)
    const reader = byob ?? stream.getReader() as ChunkReader
    range.reader = reader
    const send = async () => {
      while (range.out >= request.depth && !range.cancelled) await new Promise<void>((resolve) => (range.wake = resolve))
      if (range.cancelled) return
      range.out++
      const buffer = slice!.buffer as ArrayBuffer
      post({ id: request.id, buffer, bytes: filled }, [buffer])
      slice = undefined
      filled = 0
    }
    while (byob !== undefined) {
      slice ??= take(request.slice)
      // The read takes the slice's buffer and gives it back filled a little further.
      const { done, value } = await byob.read(slice.subarray(filled))
      if (value !== undefined) {
        slice = new Uint8Array(value.buffer as ArrayBuffer)
        filled += value.length
        bytes += value.length
      }
      if (range.cancelled) return
      if (done) break
      if (filled === slice.length) await send()
      if (range.cancelled) return
    }
    while (byob === undefined) {
      const { done, value } = await (reader as ChunkReader).read()
      if (range.cancelled) return
      if (done || value === undefined) break
      bytes += value.length
      for (let at = 0; at < value.length;) {
        slice ??= take(request.slice)
        const n = Math.min(value.length - at, slice.length - filled)
        slice.set(value.subarray(at, at + n), filled)
        filled += n
        at += n
        if (filled === slice.length) await send()
        if (range.cancelled) return
      }
    }
    if (filled > 0) await send()
    if (!range.cancelled) post({ id: request.id, end: bytes })
  } catch (error) {
    if (!range.cancelled) post({ id: request.id, error: (error as Error | undefined)?.name ?? "NotReadableError" })
  } finally {
    ranges.delete(request.id)
    // A slice whose buffer a cancelled read kept is detached (empty): not worth keeping.
    if (slice !== undefined && slice.buffer.byteLength > 0 && free.length < FREE_LIMIT) free.push(slice.buffer as ArrayBuffer)
  }
}

self.onmessage = ({ data }) => {
  if (data.op === "read") {
    void read(data)
    return
  }
  if (data.op === "return" && free.length < FREE_LIMIT) free.push(data.buffer)
  const range = ranges.get(data.id)
  if (range === undefined) return
  if (data.op === "return") {
    range.out--
  } else {
    range.cancelled = true
    void range.reader?.cancel().catch(() => undefined)
  }
  const wake = range.wake
  range.wake = undefined
  wake?.()
}
