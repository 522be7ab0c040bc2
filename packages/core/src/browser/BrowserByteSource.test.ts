import { Effect, Exit } from "effect"
import { mkdtempSync, openAsBlob, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { forEachChunk } from "../engine/ByteSource.js"
import { BlobSource, PathSource } from "../engine/Source.js"
import { JOIN_BYTES, openStreaming, readJoined, STREAM_FROM_BYTES, STREAM_SLICE, streamRange } from "./BrowserByteSource.js"

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

describe("readJoined", () => {
  const wholes = (sources: ReadonlyArray<BlobSource | PathSource>) =>
    Effect.gen(function*() {
      const seen = new Map<number, string>()
      const left = yield* readJoined(sources, (index, whole) => Effect.sync(() => void seen.set(index, new TextDecoder().decode(whole))))!
      return { seen, left }
    })
  const text = (name: string) => new BlobSource({ name, blob: new Blob([name]) })

  it("hands on each small Blob's bytes by its index, and leaves the empty, the too large and the not-a-Blob to the caller", async () => {
    const sources = [
      text("alpha"),
      new BlobSource({ name: "empty", blob: new Blob([]) }),
      text("beta"),
      new PathSource({ path: "/not/a/blob" }),
      new BlobSource({ name: "large", blob: new Blob([new Uint8Array(JOIN_BYTES + 1)]) }),
      text("gamma")
    ]
    const { left, seen } = await Effect.runPromise(wholes(sources))
    expect([...seen].sort(([a], [b]) => a - b)).toEqual([[0, "alpha"], [2, "beta"], [5, "gamma"]])
    expect(left).toEqual([1, 3, 4])
  })

  it("joins runs of at most JOIN_BYTES, and leaves a run of one to the caller", async () => {
    const part = Math.floor(JOIN_BYTES / 2) - 1
    const sources = ["a", "b", "c"].map((name) => new BlobSource({ name, blob: new Blob([new Uint8Array(part).fill(name.charCodeAt(0))]) }))
    const { left, seen } = await Effect.runPromise(wholes(sources))
    expect([...seen.keys()].sort()).toEqual([0, 1])
    expect(seen.get(1)).toBe("b".repeat(part))
    expect(left).toEqual([2])
  })

  it("is undefined when there is nothing to join", () => {
    expect(readJoined([text("one"), new PathSource({ path: "/x" })], () => Effect.void)).toBeUndefined()
  })

  it("leaves every source of a run whose read failed (a file changed since it was picked) to be read one by one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-joined-"))
    try {
      writeFileSync(join(dir, "a"), "one")
      writeFileSync(join(dir, "b"), "two")
      const sources = [
        new BlobSource({ name: "a", blob: await openAsBlob(join(dir, "a")) }),
        new BlobSource({ name: "b", blob: await openAsBlob(join(dir, "b")) })
      ]
      writeFileSync(join(dir, "b"), "changed")
      const { left, seen } = await Effect.runPromise(wholes(sources))
      expect(seen.size).toBe(0)
      expect(left).toEqual([0, 1])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
