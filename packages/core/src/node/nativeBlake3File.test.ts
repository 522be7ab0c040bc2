import { blake3 } from "@noble/hashes/blake3.js"
import { Effect, Stream } from "effect"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, afterEach, describe, expect, it, vi } from "vitest"
import { FileNotFound } from "../engine/errors.js"
import { PathSource } from "../engine/Source.js"
import { hashFiles } from "../hash/hashFiles.js"
import { toHex } from "../hash/kernels/IncrementalHasher.js"
import { hashFileNative, NATIVE_FILE_FROM_BYTES, NATIVE_FILE_SLICE, nativeFileError, sluiceNative } from "./nativeBlake3File.js"
import * as SluiceNode from "./node.js"

const MiB = 1024 * 1024
const built = sluiceNative() !== undefined
const SUITE = built
  ? "@sluice/native's file kernel"
  : "@sluice/native's file kernel: skipped, the addon is not built here (no cargo or no Debian librust-*-dev crates: packages/native/scripts/build.mjs)"

const dir = mkdtempSync(join(tmpdir(), "sluice-native-file-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** `n` bytes of 0, 1, ..., 250, 0, 1, ... (BLAKE3's test input). */
const input = (n: number) => {
  const out = new Uint8Array(n)
  for (let i = 0; i < Math.min(n, 251); i++) out[i] = i
  for (let filled = 251; filled < n; filled *= 2) out.copyWithin(filled, 0, Math.min(filled, n - filled))
  return out
}

const file = (name: string, data: Uint8Array) => {
  const path = join(dir, name)
  writeFileSync(path, data)
  return path
}

const hashed = (path: string, progress: Array<[number, number]> = []) =>
  Effect.runPromise(hashFileNative(new PathSource({ path }), (bytes, total) => progress.push([bytes, total])))

describe.skipIf(!built)(SUITE, () => {
  it.each([NATIVE_FILE_FROM_BYTES, NATIVE_FILE_FROM_BYTES + 1, 2 * NATIVE_FILE_SLICE + 1025])(
    "hashes a file of %i bytes as @noble/hashes does, reporting each slice up to the size",
    async (size) => {
      const data = input(size)
      const progress: Array<[number, number]> = []
      const result = await hashed(file(`f${size}`, data), progress)
      expect(result && toHex(result.digest)).toBe(toHex(blake3(data)))
      expect(result?.bytes).toBe(size)
      expect(progress).toHaveLength(Math.ceil(size / NATIVE_FILE_SLICE))
      expect(progress.at(-1)).toEqual([size, size])
    }
  )

  it("declines a file under its threshold and a directory: the caller reads those", async () => {
    expect(await hashed(file("small", input(NATIVE_FILE_FROM_BYTES - 1)))).toBeUndefined()
    const sub = join(dir, "sub")
    mkdirSync(sub)
    expect(await hashed(sub)).toBeUndefined()
  })

  it("fails with the engine's FileNotFound for a missing file", async () => {
    const missing = join(dir, "missing")
    const error = await Effect.runPromise(Effect.flip(hashFileNative(new PathSource({ path: missing }), () => {})))
    expect(error.reason).toEqual(new FileNotFound({ path: missing }))
  })

  it("hashes a large file through a real worker thread, with progress, as @noble/hashes does", async () => {
    const data = input(NATIVE_FILE_FROM_BYTES + 3 * MiB + 7)
    const path = file("pool", data)
    const workerUrl = new URL("../../dist/platform/node-worker.js", import.meta.url)
    const events = await Effect.runPromise(
      Stream.runCollect(hashFiles([new PathSource({ path })], { algorithms: ["blake3"] })).pipe(
        Effect.provide(SluiceNode.layer({ workers: 2, workerUrl }))
      )
    )
    const result = [...events].find((e) => e._tag === "FileHashed")
    expect(result?._tag === "FileHashed" && result.digests.blake3).toBe(toHex(blake3(data)))
    expect(result?._tag === "FileHashed" && result.bytes).toBe(data.length)
  })
})

describe("@sluice/native's errors", () => {
  it("maps errno codes to the engine's read errors, and ECHANGED as it is", () => {
    expect(nativeFileError("a", { code: "errno:2" }).reason).toEqual(new FileNotFound({ path: "a" }))
    expect(nativeFileError("a", { code: "errno:5" }).reason).toMatchObject({ _tag: "ReadFailed", code: "EIO" })
    expect(nativeFileError("a", { code: "ECHANGED" }).reason).toMatchObject({ _tag: "ReadFailed", code: "ECHANGED" })
    expect(nativeFileError("a", new Error("odd")).reason).toMatchObject({ _tag: "ReadFailed", code: "EIO" })
  })
})

describe("the fallback when @sluice/native is turned off (SLUICE_NATIVE_FILE=0)", () => {
  afterEach(() => {
    delete process.env["SLUICE_NATIVE_FILE"]
    vi.resetModules()
  })

  it("loads no addon, declines every file, and the kernel has no file hash", async () => {
    process.env["SLUICE_NATIVE_FILE"] = "0"
    vi.resetModules()
    const fresh = await import("./nativeBlake3File.js")
    const kernel = await import("./NodeHashKernel.js")
    expect(fresh.sluiceNative()).toBeUndefined()
    expect(kernel.usesNativeFile()).toBe(false)
    const path = file("fallback", input(NATIVE_FILE_FROM_BYTES))
    expect(await Effect.runPromise(fresh.hashFileNative(new PathSource({ path }), () => {}))).toBeUndefined()
  })

  it("hashes a large file on the workers all the same, as @noble/hashes does", async () => {
    process.env["SLUICE_NATIVE_FILE"] = "0"
    const data = input(NATIVE_FILE_FROM_BYTES + 5)
    const path = file("fallback-pool", data)
    const workerUrl = new URL("../../dist/platform/node-worker.js", import.meta.url)
    const events = await Effect.runPromise(
      Stream.runCollect(hashFiles([new PathSource({ path })], { algorithms: ["blake3"] })).pipe(
        Effect.provide(SluiceNode.layer({ workers: 1, workerUrl }))
      )
    )
    const result = [...events].find((e) => e._tag === "FileHashed")
    expect(result?._tag === "FileHashed" && result.digests.blake3).toBe(toHex(blake3(data)))
  })
})
