import { describe, expect, it } from "vitest"
import { blobSink, chunkedText, gathered } from "./download.js"

describe("blobSink", () => {
  it("hands the browser one Blob of everything written, only at close", async () => {
    const downloads: Array<{ blob: Blob; name: string }> = []
    const sink = blobSink("keys.jsonl", "application/jsonl", (blob, name) => downloads.push({ blob, name }))
    await sink.write(new TextEncoder().encode("a\n"))
    // Past the fold size: folded into the Blob, not kept as parts.
    await sink.write(new Uint8Array(5 * 1024 * 1024).fill(0x62))
    expect(downloads).toEqual([])
    await sink.close()
    expect(downloads).toHaveLength(1)
    expect(downloads[0]!.name).toBe("keys.jsonl")
    expect(downloads[0]!.blob.size).toBe(2 + 5 * 1024 * 1024)
    expect((await downloads[0]!.blob.slice(0, 3).text())).toBe("a\nb")
  })

  it("downloads nothing when aborted", async () => {
    const downloads: Array<Blob> = []
    const sink = blobSink("keys.jsonl", "application/jsonl", (blob) => downloads.push(blob))
    await sink.write(new Uint8Array(10))
    await sink.abort()
    expect(downloads).toEqual([])
  })
})

describe("chunkedText and gathered", () => {
  it("turn many small writes into few large ones, losing nothing", async () => {
    const writes: Array<Uint8Array> = []
    const sink = { write: async (chunk: Uint8Array) => void writes.push(chunk) }
    const text = chunkedText(sink, 10)
    for (let i = 0; i < 10; i++) await text.add("line\n")
    await text.flush()
    expect(writes.map((w) => w.length)).toEqual([10, 10, 10, 10, 10])
    writes.length = 0
    const bytes = gathered(sink, 8)
    for (let i = 0; i < 5; i++) await bytes.write(new Uint8Array(3).fill(i))
    await bytes.flush()
    expect(writes.map((w) => Array.from(w))).toEqual([[0, 0, 0, 1, 1, 1, 2, 2, 2], [3, 3, 3, 4, 4, 4]])
  })
})
