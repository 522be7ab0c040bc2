import { execFileSync, spawn } from "node:child_process"
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { SourceError } from "../engine/errors.js"
import { identifyFile } from "./nodeIdentity.js"
import { readPathSync, sizePathSync } from "./NodeByteSource.js"

const dir = mkdtempSync(join(tmpdir(), "sluice-bytesource-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const readAll = (path: string, stamp = false) => {
  const chunks: Array<Buffer> = []
  const read = readPathSync(path, undefined, (chunk) => chunks.push(Buffer.from(chunk)), stamp)
  return { ...read, data: Buffer.concat(chunks) }
}

const failure = (path: string) => {
  try {
    readAll(path)
  } catch (error) {
    return error instanceof SourceError ? error.reason._tag : `not a SourceError: ${String(error)}`
  }
  return "no failure"
}

describe("readPathSync (a worker's read of a small file)", () => {
  it("reads a file whole, whatever its size around the buffer's", () => {
    for (const size of [0, 1, 4096, 1024 * 1024 - 1, 1024 * 1024, 1024 * 1024 + 1, 3 * 1024 * 1024 + 5]) {
      const path = join(dir, `f${size}`)
      const data = Buffer.alloc(size, size % 251)
      writeFileSync(path, data)
      const read = readAll(path)
      expect(read.bytes).toBe(size)
      expect(read.data.equals(data)).toBe(true)
    }
  })

  it("says a chunk is the last only when it is the file's last, as a small file's one chunk is, with the stamp or without", () => {
    for (const stamp of [false, true]) {
      for (const size of [0, 1, 4096, 1024 * 1024 - 1, 1024 * 1024, 1024 * 1024 + 1]) {
        const path = join(dir, `last-${size}`)
        writeFileSync(path, Buffer.alloc(size, 7))
        const lasts: Array<boolean> = []
        readPathSync(path, undefined, (_, last) => lasts.push(last), stamp)
        // Only the final chunk may be the last; a file shorter than the buffer is one such chunk.
        expect(lasts.slice(0, -1).every((last) => !last), `size ${size}`).toBe(true)
        if (size > 0 && size < 1024 * 1024) expect(lasts, `size ${size}`).toEqual([true])
      }
    }
  })

  it("with stamp, gives the content identity's key of the file as it was read", () => {
    const path = join(dir, "stamped")
    writeFileSync(path, "abc")
    expect(readAll(path, true).stamp).toBe(identifyFile(path)!.key)
    expect(readAll(path).stamp).toBeUndefined()
  })

  it("with stamp (one fstat, after the read), reads a file whole whatever its size, a FIFO to its end, and a directory fails as one", () => {
    for (const size of [0, 4096, 1024 * 1024, 1024 * 1024 + 1]) {
      const path = join(dir, `s${size}`)
      const data = Buffer.alloc(size, (size + 7) % 251)
      writeFileSync(path, data)
      const read = readAll(path, true)
      expect(read.bytes).toBe(size)
      expect(read.data.equals(data)).toBe(true)
      expect(read.stamp).toBe(identifyFile(path)!.key)
    }
    const fifo = join(dir, "stamped-fifo")
    execFileSync("mkfifo", [fifo])
    // The writer opens the FIFO, writes and closes it: the read ends there.
    spawn("sh", ["-c", `printf abc > '${fifo}'`])
    expect(readAll(fifo, true)).toMatchObject({ bytes: 3 })
    let reason = "no failure"
    try {
      readAll(dir, true)
    } catch (error) {
      reason = error instanceof SourceError ? error.reason._tag : String(error)
    }
    expect(reason).toBe("IsADirectory")
  })

  it("fails with the source's typed reasons: a missing file, a directory", () => {
    expect(failure(join(dir, "missing"))).toBe("FileNotFound")
    expect(failure(dir)).toBe("IsADirectory")
    expect(statSync(dir).isDirectory()).toBe(true)
  })
})

describe("sizePathSync (a worker's size of a file, for planning)", () => {
  it("gives a regular file's size, also by its raw name, and undefined for nothing, a directory or a FIFO, without opening it", () => {
    writeFileSync(join(dir, "sized"), new Uint8Array(1234))
    expect(sizePathSync(join(dir, "sized"), undefined)).toBe(1234)
    const raw = Buffer.concat([Buffer.from(join(dir, "raw-")), Buffer.from([0xff])])
    writeFileSync(raw, new Uint8Array(7))
    expect(sizePathSync("ignored when the bytes are given", raw)).toBe(7)
    expect(sizePathSync(join(dir, "missing"), undefined)).toBeUndefined()
    expect(sizePathSync(dir, undefined)).toBeUndefined()
    // Opening a FIFO would wait for a writer: a stat does not.
    execFileSync("mkfifo", [join(dir, "fifo")])
    expect(sizePathSync(join(dir, "fifo"), undefined)).toBeUndefined()
  })
})
