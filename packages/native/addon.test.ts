import { blake3 as nobleBlake3 } from "@noble/hashes/blake3.js"
import { blake3Vectors } from "@sluice/vectors"
import { createBLAKE3 } from "hash-wasm"
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"

type Addon = typeof import("./index.cjs")

const load = (): Addon | undefined => {
  try {
    return createRequire(import.meta.url)("./index.cjs") as Addon
  } catch {
    return undefined
  }
}
const addon = load()
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex")

/** BLAKE3's test input: the repeating sequence 0, 1, ..., 250. */
const vectorInput = (length: number) => Uint8Array.from({ length }, (_, i) => i % 251)

const KiB = 1024
const MiB = 1024 * KiB
const LENGTHS = [0, 1, 1023, 1024, 1025, 64 * KiB - 1, 64 * KiB, 64 * KiB + 1, 3 * MiB + 517, 9 * MiB]

const dir = mkdtempSync(join(tmpdir(), "sluice-native-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const hashFile = (a: Addon, path: string, slice: number, threads: number) => {
  const file = a.fileOpen(Buffer.from(path))
  if (file === undefined) throw new Error("not a regular file")
  const size = a.fileSize(file)
  let at = 0
  while (at < size) at = a.fileUpdate(file, slice, threads)
  return hex(a.fileDigest(file))
}

const SUITE = addon === undefined
  ? "the native BLAKE3 addon: skipped, it is not built here (no cargo or no Debian librust-*-dev crates: see scripts/build.mjs)"
  : "the native BLAKE3 addon"

describe.skipIf(addon === undefined)(SUITE, () => {
  const a = addon!

  it("hash matches BLAKE3's published test vectors", () => {
    for (const { hash, input_len } of blake3Vectors().cases) {
      expect(hex(a.hash(vectorInput(input_len))), `${input_len} bytes`).toBe(hash.slice(0, 64))
    }
  })

  it("hash on one, two and every thread equals @noble/hashes and hash-wasm at chunk and subtree edges", async () => {
    const wasm = await createBLAKE3()
    for (const length of LENGTHS) {
      const data = vectorInput(length)
      const expected = hex(nobleBlake3(data))
      wasm.init()
      wasm.update(data)
      expect(wasm.digest("hex"), `${length} bytes`).toBe(expected)
      for (const threads of [1, 2, 0]) expect(hex(a.hash(data, threads)), `${length} bytes, ${threads} threads`).toBe(expected)
    }
  })

  it("a mapped file hashed in slices on every core equals @noble/hashes", () => {
    for (const length of LENGTHS) {
      const data = vectorInput(length)
      const path = join(dir, `f${length}`)
      writeFileSync(path, data)
      const expected = hex(nobleBlake3(data))
      expect(hashFile(a, path, 1 * MiB, 0), `${length} bytes, 1 MiB slices`).toBe(expected)
      expect(hashFile(a, path, 1000, 2), `${length} bytes, 1000-byte slices`).toBe(expected)
      expect(hashFile(a, path, 64 * MiB, 1), `${length} bytes, one slice`).toBe(expected)
    }
  })

  it("fileOpen answers undefined for a directory and fails with the errno of a missing file", () => {
    expect(a.fileOpen(Buffer.from(dir))).toBeUndefined()
    expect(() => a.fileOpen(Buffer.from(join(dir, "missing")))).toThrow(expect.objectContaining({ code: "errno:2" }))
  })

  it("fileDigest fails with ECHANGED when the file's size changed after it was opened", () => {
    const path = join(dir, "shrinks")
    writeFileSync(path, vectorInput(4 * KiB))
    const file = a.fileOpen(Buffer.from(path))!
    a.fileUpdate(file, 4 * KiB, 1)
    truncateSync(path, 2 * KiB)
    expect(() => a.fileDigest(file)).toThrow(expect.objectContaining({ code: "ECHANGED" }))
  })

  it("fileDigest refuses a file not hashed to its end, and a closed file", () => {
    const path = join(dir, "half")
    writeFileSync(path, vectorInput(8 * KiB))
    const file = a.fileOpen(Buffer.from(path))!
    expect(a.fileUpdate(file, 4 * KiB, 1)).toBe(4 * KiB)
    expect(() => a.fileDigest(file)).toThrow(/not hashed to its end/)
    a.fileClose(file)
    expect(() => a.fileUpdate(file, 4 * KiB, 1)).toThrow(/closed/)
  })

  it("fileUpdateAsync hashes each slice off this thread, calling back with the position: the same digests, and a closed file's error", async () => {
    const update = (file: NonNullable<ReturnType<Addon["fileOpen"]>>, slice: number, threads: number) =>
      new Promise<number>((resolve, reject) => a.fileUpdateAsync(file, slice, threads, (error, at) => error === null ? resolve(at!) : reject(error)))
    for (const length of LENGTHS) {
      const path = join(dir, `async${length}`)
      writeFileSync(path, vectorInput(length))
      const file = a.fileOpen(Buffer.from(path))!
      const size = a.fileSize(file)
      let at = 0
      let calls = 0
      while (at < size) {
        at = await update(file, 1 * MiB, calls % 2 === 0 ? 0 : 1)
        calls++
      }
      expect(hex(a.fileDigest(file)), `${length} bytes`).toBe(hex(nobleBlake3(vectorInput(length))))
    }
    const path = join(dir, "async-closed")
    writeFileSync(path, vectorInput(8 * KiB))
    const file = a.fileOpen(Buffer.from(path))!
    a.fileClose(file)
    await expect(update(file, 4 * KiB, 1)).rejects.toThrow(/closed/)
  }, 60_000)

  it("names its kernel", () => {
    expect(a.version()).toMatch(/^sluice-native \S+ \(blake3 1\.\d+\.\d+, rayon\)$/)
  })
})
