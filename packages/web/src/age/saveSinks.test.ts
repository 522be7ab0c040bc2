import { describe, expect, it } from "vitest"
import { fsaSink } from "./saveSinks.js"

/** A file handle whose writable records its writes, each finishing when the test says. */
const fakeHandle = () => {
  const written: Array<number> = []
  const pending: Array<() => void> = []
  let closed = false
  let aborted: unknown
  const writable = new WritableStream<Uint8Array>({
    write: (chunk) => new Promise<void>((resolve) => pending.push(() => {
      written.push(chunk[0]!)
      resolve()
    })),
    close: () => {
      closed = true
    },
    abort: (reason) => {
      aborted = reason
    }
  })
  const handle = { createWritable: async () => writable } as unknown as FileSystemFileHandle
  return { handle, written, pending, closed: () => closed, aborted: () => aborted }
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0))

describe("fsaSink", () => {
  it("keeps a few writes queued ahead of the disk, in order, and closes only once they are written", async () => {
    const fake = fakeHandle()
    const sink = await fsaSink(fake.handle)
    let returned = 0
    for (let i = 1; i <= 3; i++) await sink.write(new Uint8Array([i])).then(() => returned++)
    expect(returned).toBe(3)
    let fourth = false
    const waiting = sink.write(new Uint8Array([4])).then(() => {
      fourth = true
    })
    await flush()
    expect(fourth).toBe(false)
    fake.pending.shift()!()
    await waiting
    expect(fourth).toBe(true)
    const closing = sink.close()
    for (let i = 0; i < 3; i++) {
      await flush()
      fake.pending.shift()?.()
    }
    await closing
    expect(fake.written).toEqual([1, 2, 3, 4])
    expect(fake.closed()).toBe(true)
  })

  it("aborts the file's stream, so nothing of it is kept", async () => {
    const fake = fakeHandle()
    const sink = await fsaSink(fake.handle)
    await sink.write(new Uint8Array([1]))
    const aborting = sink.abort("a bad tag")
    // The write under way finishes first (as a file's stream does), then the stream is aborted.
    fake.pending.shift()!()
    await aborting
    expect(fake.aborted()).toBe("a bad tag")
    expect(fake.closed()).toBe(false)
  })
})
