import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { makeReaderThread, type ReaderReply, type ReaderRequest, type ReaderThread, READ_AHEAD, THREAD_FROM_BYTES, THREAD_SLICE } from "./BlobReaderThread.js"

const bytes = Uint8Array.from({ length: THREAD_FROM_BYTES + 3 * THREAD_SLICE + 123 }, (_, i) => (i * 7) & 255)
const blob = new Blob([bytes])

type Listener = (event: { readonly data?: unknown }) => void

/**
 * A reader thread in this thread, speaking the same protocol: slices of the range, at most
 * `depth` out; `failAfter` slices sent, it fails as a worker whose script died would.
 */
const fakeThread = (options: { readonly failAfter?: number } = {}) => {
  const listeners: Record<string, Array<Listener>> = { message: [], error: [] }
  const emit = (type: string, data?: unknown) => setTimeout(() => listeners[type]!.forEach((f) => f({ data })))
  const seen = { requests: [] as Array<ReaderRequest["op"]>, mostOut: 0, cancelled: false }
  let out = 0
  let sent = 0
  let pump: (() => void) | undefined
  const thread: ReaderThread = {
    addEventListener: (type, listener) => void listeners[type]!.push(listener),
    postMessage: (request) => {
      seen.requests.push(request.op)
      if (request.op === "return") {
        out--
        pump?.()
      } else if (request.op === "cancel") {
        seen.cancelled = true
        pump = undefined
      } else {
        let at = request.offset
        const end = request.offset + request.length
        pump = () => {
          while (pump !== undefined && out < request.depth && at < end) {
            if (options.failAfter !== undefined && sent === options.failAfter) {
              pump = undefined
              emit("error")
              return
            }
            const slice = bytes.slice(at, Math.min(end, at + request.slice))
            at += slice.length
            out++
            sent++
            seen.mostOut = Math.max(seen.mostOut, out)
            emit("message", { id: request.id, buffer: slice.buffer, bytes: slice.length } satisfies ReaderReply)
          }
          if (at >= end && out === 0 && pump !== undefined) {
            pump = undefined
            emit("message", { id: request.id, end: request.length } satisfies ReaderReply)
          }
        }
        pump()
      }
    }
  }
  return { thread, seen }
}

const collect = async (effect: Effect.Effect<number, unknown> | undefined, parts: Array<Uint8Array>) => {
  const n = await Effect.runPromise(effect!)
  const all = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0))
  let at = 0
  for (const part of parts) {
    all.set(part, at)
    at += part.length
  }
  return { n, all }
}

describe("the reader thread", () => {
  it("hands on the range's bytes in order, with at most READ_AHEAD slices out", async () => {
    const { seen, thread } = fakeThread()
    const parts: Array<Uint8Array> = []
    const range = makeReaderThread(() => thread)("f", blob)(100, bytes.length - 200, (chunk) => void parts.push(chunk.slice()))
    const { all, n } = await collect(range, parts)
    expect(n).toBe(bytes.length - 200)
    expect(Buffer.compare(all, bytes.subarray(100, bytes.length - 100))).toBe(0)
    expect(seen.mostOut).toBeLessThanOrEqual(READ_AHEAD)
    expect(seen.requests.filter((op) => op === "return").length).toBe(parts.length)
  })

  it("goes on in this thread from where it stopped when the thread fails", async () => {
    const { thread } = fakeThread({ failAfter: 1 })
    const parts: Array<Uint8Array> = []
    const { all, n } = await collect(makeReaderThread(() => thread)("f", blob)(0, bytes.length, (chunk) => void parts.push(chunk.slice())), parts)
    expect(n).toBe(bytes.length)
    expect(Buffer.compare(all, bytes)).toBe(0)
  })

  it("reads a short remainder in this thread too when the thread fails near the end", async () => {
    const slices = Math.ceil(bytes.length / THREAD_SLICE)
    const { thread } = fakeThread({ failAfter: slices - 1 })
    const parts: Array<Uint8Array> = []
    const { all, n } = await collect(makeReaderThread(() => thread)("f", blob)(0, bytes.length, (chunk) => void parts.push(chunk.slice())), parts)
    expect(bytes.length - (slices - 1) * THREAD_SLICE).toBeLessThan(1024 * 1024)
    expect(n).toBe(bytes.length)
    expect(Buffer.compare(all, bytes)).toBe(0)
  })

  it("reads a range shorter than THREAD_FROM_BYTES in this thread", async () => {
    const { seen, thread } = fakeThread()
    const parts: Array<Uint8Array> = []
    const { all } = await collect(makeReaderThread(() => thread)("f", blob)(7, THREAD_FROM_BYTES - 1, (chunk) => void parts.push(chunk.slice())), parts)
    expect(Buffer.compare(all, bytes.subarray(7, 7 + THREAD_FROM_BYTES - 1))).toBe(0)
    expect(seen.requests).toEqual([])
  })

  it("reads in this thread when no thread can be started", async () => {
    const parts: Array<Uint8Array> = []
    const { all } = await collect(makeReaderThread(() => undefined)("f", blob)(5, 2 * THREAD_SLICE, (chunk) => void parts.push(chunk.slice())), parts)
    expect(Buffer.compare(all, bytes.subarray(5, 5 + 2 * THREAD_SLICE))).toBe(0)
  })

  it("cancels the thread's read when the consumer fails", async () => {
    const { seen, thread } = fakeThread()
    const exit = await Effect.runPromiseExit(makeReaderThread(() => thread)("f", blob)(0, bytes.length, () => Effect.fail("stop"))!)
    expect(Exit.isFailure(exit)).toBe(true)
    expect(seen.cancelled).toBe(true)
  })

  it("fails a range the browser refuses with a typed ReadFailed naming the file", async () => {
    const thread: ReaderThread = {
      addEventListener: (type, listener) => {
        if (type === "message") self.listener = listener
      },
      postMessage: (request) => {
        if (request.op === "read") setTimeout(() => self.listener?.({ data: { id: request.id, error: "NotReadableError" } }))
      }
    }
    const self: { listener?: Listener } = {}
    const exit = await Effect.runPromiseExit(makeReaderThread(() => thread)("big.iso", blob)(0, THREAD_FROM_BYTES, () => undefined)!)
    expect(JSON.stringify(exit)).toContain("NotReadableError")
    expect(JSON.stringify(exit)).toContain("big.iso")
  })
})
