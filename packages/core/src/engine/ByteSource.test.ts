import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { blobReader } from "./BlobReader.js"
import { DEFAULT_CHUNK_SIZE, forEachChunk } from "./ByteSource.js"

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
