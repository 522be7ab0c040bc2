import { Effect, Fiber } from "effect"
import { describe, expect, it } from "vitest"
import { blobReader } from "./BlobReader.js"
import { type ByteReader, DEFAULT_CHUNK_SIZE, forEachChunk, READS_IN_FLIGHT } from "./ByteSource.js"
import { ReadFailed, type SourceError, sourceError } from "./errors.js"

const chunkLengths = (reader: Parameters<typeof forEachChunk>[0], chunkSize?: number) => {
  const lengths: Array<number> = []
  return Effect.runPromise(
    forEachChunk(reader, (chunk) => void lengths.push(chunk.length), chunkSize === undefined ? {} : { chunkSize })
  ).then(() => lengths)
}

describe("forEachChunk", () => {
  const blob = new Blob([new Uint8Array(10 * 1024 * 1024 + 5)])

  it("reads in the reader's own chunk size when the caller names none", async () => {
    const lengths = await chunkLengths(blobReader("big", blob, 4 * 1024 * 1024))
    expect(lengths).toEqual([4 * 1024 * 1024, 4 * 1024 * 1024, 2 * 1024 * 1024 + 5])
  })

  it("reads in the default chunk size when neither names one", async () => {
    const lengths = await chunkLengths(blobReader("big", blob))
    expect(lengths.slice(0, 2)).toEqual([DEFAULT_CHUNK_SIZE, DEFAULT_CHUNK_SIZE])
    expect(lengths.reduce((a, b) => a + b, 0)).toBe(blob.size)
  })

  it("prefers the caller's chunk size over the reader's", async () => {
    const lengths = await chunkLengths(blobReader("big", blob, 4 * 1024 * 1024), 3 * 1024 * 1024)
    expect(lengths).toEqual([3 * 1024 * 1024, 3 * 1024 * 1024, 3 * 1024 * 1024, 1024 * 1024 + 5])
  })
})

/**
 * A file in memory whose reads are counted, answer in turn, and can end short of `size`;
 * with `callbacks`, also through `readInto`, where a read at `failAt` fails.
 */
const memoryFile = (bytes: Uint8Array, size = bytes.length, { callbacks = false, failAt = -1 } = {}) => {
  let open = 0
  let most = 0
  const readNow = (buffer: Uint8Array, position: number, length: number) => {
    const part = bytes.subarray(position, Math.min(bytes.length, position + length))
    buffer.set(part)
    return part.length
  }
  const reader: ByteReader = {
    size,
    read: (buffer, position, length) =>
      Effect.promise(async () => {
        most = Math.max(most, ++open)
        await new Promise((resolve) => setTimeout(resolve, 1))
        open--
        return readNow(buffer, position!, length)
      }),
    ...(callbacks
      ? {
        readInto: (buffer: Uint8Array, position: number, length: number, done: (error: SourceError | undefined, bytes: number) => void) => {
          most = Math.max(most, ++open)
          setTimeout(() => {
            open--
            if (position === failAt) done(sourceError(new ReadFailed({ path: "memory", code: "EIO" })), 0)
            else done(undefined, readNow(buffer, position, length))
          }, 1)
        }
      }
      : {})
  }
  return { reader, most: () => most, open: () => open }
}

const collect = (reader: ByteReader) => {
  const parts: Array<Uint8Array> = []
  return Effect.runPromise(forEachChunk(reader, (chunk) => void parts.push(chunk.slice()))).then(() => Buffer.concat(parts))
}

describe("forEachChunk, positional reads ahead", () => {
  const bytes = Uint8Array.from({ length: 12 * DEFAULT_CHUNK_SIZE + 12345 }, (_, i) => (i * 7 + (i >> 13)) & 255)

  it("gives every byte once, in order, with several reads in flight", async () => {
    const file = memoryFile(bytes)
    expect(Buffer.compare(await collect(file.reader), Buffer.from(bytes))).toBe(0)
    expect(file.most()).toBe(READS_IN_FLIGHT)
  })

  it("reads on from a short read: a file that has more than its size said", async () => {
    const file = memoryFile(bytes, 4 * DEFAULT_CHUNK_SIZE + 100)
    expect(Buffer.compare(await collect(file.reader), Buffer.from(bytes))).toBe(0)
  })

  it("ends where a file that shrank ends", async () => {
    const shorter = bytes.subarray(0, 9 * DEFAULT_CHUNK_SIZE + 100)
    const file = memoryFile(shorter, bytes.length)
    expect(Buffer.compare(await collect(file.reader), Buffer.from(shorter))).toBe(0)
  })
})

describe("forEachChunk, positional reads ahead through the reader's callback", () => {
  const bytes = Uint8Array.from({ length: 12 * DEFAULT_CHUNK_SIZE + 12345 }, (_, i) => (i * 5 + (i >> 11)) & 255)

  it("gives every byte once, in order, with several reads in flight", async () => {
    const file = memoryFile(bytes, bytes.length, { callbacks: true })
    expect(Buffer.compare(await collect(file.reader), Buffer.from(bytes))).toBe(0)
    expect(file.most()).toBe(READS_IN_FLIGHT)
  })

  it("reads on from a short read: a file that has more than its size said", async () => {
    const file = memoryFile(bytes, 4 * DEFAULT_CHUNK_SIZE + 100, { callbacks: true })
    expect(Buffer.compare(await collect(file.reader), Buffer.from(bytes))).toBe(0)
    expect(file.open()).toBe(0)
  })

  it("ends where a file that shrank ends", async () => {
    const shorter = bytes.subarray(0, 9 * DEFAULT_CHUNK_SIZE + 100)
    const file = memoryFile(shorter, bytes.length, { callbacks: true })
    expect(Buffer.compare(await collect(file.reader), Buffer.from(shorter))).toBe(0)
  })

  it("fails with the read's error, once the reads still in flight have answered", async () => {
    const file = memoryFile(bytes, bytes.length, { callbacks: true, failAt: 3 * DEFAULT_CHUNK_SIZE })
    const exit = await Effect.runPromiseExit(forEachChunk(file.reader, () => {}))
    expect(exit._tag).toBe("Failure")
    expect(String(exit)).toContain("EIO")
    expect(file.open()).toBe(0)
  })

  it("a chunk's callback that throws fails the loop as a defect, not the thread, once the reads in flight have answered", async () => {
    const file = memoryFile(bytes, bytes.length, { callbacks: true })
    let chunks = 0
    const exit = await Effect.runPromiseExit(forEachChunk(file.reader, () => {
      if (++chunks === 3) throw new Error("kernel broke")
    }))
    expect(exit._tag).toBe("Failure")
    expect(String(exit)).toContain("kernel broke")
    expect(file.open()).toBe(0)
  })

  it("stopped from outside, lets go of its buffers only once no read is in flight", async () => {
    const file = memoryFile(bytes, bytes.length, { callbacks: true })
    let chunks = 0
    const fiber = Effect.runFork(forEachChunk(file.reader, () => {
      chunks++
    }))
    await new Promise((resolve) => setTimeout(resolve, 4))
    await Effect.runPromise(Fiber.interrupt(fiber))
    expect(file.open()).toBe(0)
    expect(chunks).toBeLessThan(13)
  })
})

describe("blobReader", () => {
  it("answers a read at the end without reading the blob", async () => {
    const blob = new Blob([new Uint8Array(10)])
    let slices = 0
    const counting = { size: blob.size, slice: (start?: number, end?: number) => (slices++, blob.slice(start, end)) }
    const reader = blobReader("ten", counting)
    const buffer = new Uint8Array(16)
    expect(await Effect.runPromise(reader.read(buffer, 0, 16))).toBe(10)
    expect(await Effect.runPromise(reader.read(buffer, 10, 16))).toBe(0)
    expect(slices).toBe(1)
  })
})
