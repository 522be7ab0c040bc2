/**
 * A reader thread for a pool's Web Worker (`BlobReaderThread`): streams ranges of `File`s
 * and transfers them, in slices, to the worker that spawned it, which hashes one slice
 * while this thread reads the next. Chromium hands a Blob stream's bytes over on the
 * thread that reads it: here, not on the hashing thread. Slices come back to be filled
 * again, and at most `depth` are out at once per range, so memory stays bounded.
 */
import type { ReaderReply, ReaderRequest } from "./BlobReaderThread.js"

interface ChunkReader {
  read(): Promise<{ readonly done: boolean; readonly value?: Uint8Array | undefined }>
  cancel(): Promise<void>
}

interface Range {
  readonly free: Array<ArrayBuffer>
  out: number
  cancelled: boolean
  wake: (() => void) | undefined
  reader: ChunkReader | undefined
}

interface Scope {
  postMessage(message: ReaderReply, transfer?: Array<ArrayBuffer>): void
  onmessage: ((event: { readonly data: ReaderRequest }) => void) | null
}

const self = globalThis as unknown as Scope
const ranges = new Map<number, Range>()

const post = (message: ReaderReply, transfer?: Array<ArrayBuffer>) => self.postMessage(message, transfer ?? [])

const read = async (request: Extract<ReaderRequest, { op: "read" }>) => {
  const range: Range = { free: [], out: 0, cancelled: false, wake: undefined, reader: undefined }
  ranges.set(request.id, range)
  let bytes = 0
  try {
    const reader = (request.blob.slice(request.offset, request.offset + request.length) as unknown as {
      stream(): { getReader(): ChunkReader }
    }).stream().getReader()
    range.reader = reader
    let slice: Uint8Array | undefined
    let filled = 0
    const send = async () => {
      while (range.out >= request.depth && !range.cancelled) await new Promise<void>((resolve) => (range.wake = resolve))
      if (range.cancelled) return
      range.out++
      const buffer = slice!.buffer as ArrayBuffer
      post({ id: request.id, buffer, bytes: filled }, [buffer])
      slice = undefined
      filled = 0
    }
    for (;;) {
      const { done, value } = await reader.read()
      if (range.cancelled) return
      if (done || value === undefined) break
      bytes += value.length
      for (let at = 0; at < value.length;) {
        slice ??= new Uint8Array(range.free.pop() ?? new ArrayBuffer(request.slice))
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
  }
}

self.onmessage = ({ data }) => {
  if (data.op === "read") {
    void read(data)
    return
  }
  const range = ranges.get(data.id)
  if (range === undefined) return
  if (data.op === "return") {
    range.out--
    range.free.push(data.buffer)
  } else {
    range.cancelled = true
    void range.reader?.cancel().catch(() => undefined)
  }
  const wake = range.wake
  range.wake = undefined
  wake?.()
}
