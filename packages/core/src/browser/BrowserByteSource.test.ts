import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { forEachChunk } from "../engine/ByteSource.js"
import { BlobSource } from "../engine/Source.js"
import { openStreaming, STREAM_FROM_BYTES, STREAM_SLICE, streamRange } from "./BrowserByteSource.js"

const bytes = Uint8Array.from({ length: 3 * 1024 * 1024 + 7 }, (_, i) => (i * 31) & 255)
const blob = new Blob([bytes])

const collect = (parts: Array<Uint8Array>) => {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const part of parts) {
    all.set(part, at)
    at += part.length
  }
  return all
}

describe("streamRange", () => {
  it("hands on exactly the bytes of the range, in order", async () => {
    const parts: Array<Uint8Array> = []
    const n = await Effect.runPromise(streamRange("f", blob)(1000, 2 * 1024 * 1024, (chunk) => void parts.push(chunk.slice()))!)
    expect(n).toBe(2 * 1024 * 1024)
    expect(Buffer.compare(collect(parts), bytes.subarray(1000, 1000 + 2 * 1024 * 1024))).toBe(0)
  })

  it("hands a range read with a BYOB reader on in full slices, the last shorter", async () => {
    const big = Uint8Array.from({ length: 2 * STREAM_SLICE + 12_345 }, (_, i) => (i * 7) & 255)
    const sizes: Array<number> = []
    const parts: Array<Uint8Array> = []
    const n = await Effect.runPromise(streamRange("f", new Blob([big]))(3, big.length - 3, (chunk) => {
      sizes.push(chunk.length)
      parts.push(chunk.slice())
    })!)
    expect(n).toBe(big.length - 3)
    expect(sizes).toEqual([STREAM_SLICE, STREAM_SLICE, 12_342])
    expect(Buffer.compare(collect(parts), big.subarray(3))).toBe(0)
  })

  it("fills each slice over many short BYOB reads before handing it on", async () => {
    // A byte stream that answers every read with at most 1,000 bytes, as a busy browser does.
    const big = Uint8Array.from({ length: STREAM_SLICE + 5_000 }, (_, i) => (i * 13) & 255)
    let at = 0
    const stream = () =>
      new ReadableStream({
        type: "bytes",
        pull(controller) {
          const request = controller.byobRequest!
          if (at >= big.length) {
            controller.close()
            return request.respond(0)
          }
          const view = request.view as Uint8Array
          const n = Math.min(1_000, big.length - at, view.byteLength)
          view.set(big.subarray(at, at + n))
          at += n
          request.respond(n)
        }
      })
    const fake = { slice: () => ({ stream }) }
    const sizes: Array<number> = []
    const parts: Array<Uint8Array> = []
    const n = await Effect.runPromise(streamRange("f", fake, 0)(0, big.length, (chunk) => {
      sizes.push(chunk.length)
      parts.push(chunk.slice())
    })!)
    expect(n).toBe(big.length)
    expect(sizes).toEqual([STREAM_SLICE, 5_000])
    expect(Buffer.compare(collect(parts), big)).toBe(0)
  })

  it("declines an empty range, so the positional read still asks the browser", () => {
    expect(streamRange("f", blob, 0)(0, 0, () => undefined)).toBeUndefined()
  })

  it("leaves a range one read answers to positional reads", () => {
    expect(streamRange("f", blob)(0, STREAM_FROM_BYTES, () => undefined)).toBeUndefined()
    expect(streamRange("f", blob)(0, STREAM_FROM_BYTES + 1, () => undefined)).toBeDefined()
  })

  it("stops at the first failure of a chunk's consumer and cancels the stream", async () => {
    let calls = 0
    let cancelled = false
    const chunks = [new Uint8Array(4), new Uint8Array(4), new Uint8Array(4)]
    const fake = {
      slice: () => ({
        stream: () => ({
          getReader: () => ({
            read: async () => chunks.length === 0 ? { done: true } : { done: false, value: chunks.shift() },
            cancel: async () => void (cancelled = true)
          })
        })
      })
    }
    const exit = await Effect.runPromiseExit(streamRange("f", fake, 0)(0, 12, () => (calls++, Effect.fail("stop")))!)
    expect(Exit.isFailure(exit)).toBe(true)
    expect(calls).toBe(1)
    expect(cancelled).toBe(true)
  })

  it("fails a read the browser refuses with a typed ReadFailed naming the file", async () => {
    const fake = {
      slice: () => ({
        stream: () => ({
          getReader: () => ({
            read: () => Promise.reject(Object.assign(new Error("changed"), { name: "NotReadableError" })),
            cancel: async () => undefined
          })
        })
      })
    }
    const exit = await Effect.runPromiseExit(streamRange("big.iso", fake, 0)(0, 10, () => undefined)!)
    expect(JSON.stringify(exit)).toContain("NotReadableError")
    expect(JSON.stringify(exit)).toContain("big.iso")
  })
})

describe("the Web Worker's ByteSource", () => {
  it("streams a range through forEachChunk, the same bytes as positional reads", async () => {
    const reader = await Effect.runPromise(openStreaming(new BlobSource({ name: "f", blob }), 1024 * 1024))
    expect(reader.forEachRange).toBeDefined()
    const parts: Array<Uint8Array> = []
    await Effect.runPromise(forEachChunk(reader, (chunk) => void parts.push(chunk.slice()), { offset: 5, length: bytes.length - 10 }))
    expect(Buffer.compare(collect(parts), bytes.subarray(5, bytes.length - 5))).toBe(0)
  })
})
