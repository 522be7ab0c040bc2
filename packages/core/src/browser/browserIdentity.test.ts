/**
 * Content identity of `File`s, in Node (which has `File`, `Blob` and WebCrypto): what
 * changes the key and what does not, the fingerprint against node:crypto, and the same
 * fingerprint without WebCrypto.
 */
import { Effect } from "effect"
import { createHash } from "node:crypto"
import { afterEach, describe, expect, it, vi } from "vitest"
import { sampleRanges } from "../engine/cache/fingerprint.js"
import { BlobSource, PathSource } from "../engine/Source.js"
import { CACHE_FROM_BYTES, cacheable, fingerprintBlob, identify, identifyBlob } from "./browserIdentity.js"
import { patternBytes } from "./testkit/pattern.js"

afterEach(() => {
  vi.unstubAllGlobals()
})

const KiB = 1024
const MiB = 1024 * KiB
const TIME = 1_700_000_000_000

const fileOf = (bytes: Uint8Array<ArrayBuffer>, name = "a.bin", lastModified = TIME) =>
  new File([bytes], name, { lastModified })

const sourceOf = (file: Blob, name = "folder/a.bin") => new BlobSource({ name, blob: file })

const keyOf = (file: Blob, name?: string) => identifyBlob(sourceOf(file, name))?.key
const fingerprintOf = (file: Blob) => Effect.runPromise(identifyBlob(sourceOf(file))!.fingerprint)

/** A copy of `bytes` with the byte at `offset` changed. */
const flipped = (bytes: Uint8Array<ArrayBuffer>, offset: number) => {
  const copy = bytes.slice()
  copy[offset] = copy[offset]! ^ 0xff
  return copy
}

describe("identifyBlob", () => {
  const bytes = patternBytes(1024 * KiB, 7)

  it("gives the same key to the same file picked twice, with its size", () => {
    const first = identifyBlob(sourceOf(fileOf(bytes)))
    const second = identifyBlob(sourceOf(fileOf(bytes.slice())))
    expect(first?.key).toBe(second?.key)
    expect(first?.size).toBe(bytes.length)
  })

  it("changes the key with the path, the name, the size or lastModified", () => {
    const base = keyOf(fileOf(bytes))
    expect(keyOf(fileOf(bytes), "other/a.bin")).not.toBe(base)
    expect(keyOf(fileOf(bytes, "b.bin"))).not.toBe(base)
    expect(keyOf(fileOf(bytes.subarray(0, bytes.length - 1).slice()))).not.toBe(base)
    expect(keyOf(fileOf(bytes, "a.bin", TIME + 1))).not.toBe(base)
  })

  it("gives a folder's file the same key picked (with webkitRelativePath) or dropped (without)", () => {
    const picked = fileOf(bytes)
    Object.defineProperty(picked, "webkitRelativePath", { value: "folder/a.bin" })
    expect(keyOf(picked, "folder/a.bin")).toBe(keyOf(fileOf(bytes), "folder/a.bin"))
  })

  it("is never settled: a page cannot see a rewrite that restored lastModified, so entries keep the fingerprint", async () => {
    const identity = identifyBlob(sourceOf(fileOf(bytes)))!
    expect(await Effect.runPromise(identity.settled)).toBe(false)
    // Same size, same time, other bytes: the metadata key cannot tell.
    expect(keyOf(fileOf(flipped(bytes, 0)))).toBe(identity.key)
  })

  it("fingerprints a same-size, same-time rewrite inside the head, middle or tail sample differently", async () => {
    const base = await fingerprintOf(fileOf(bytes))
    for (const range of sampleRanges(bytes.length)) {
      expect(await fingerprintOf(fileOf(flipped(bytes, range.offset + range.length - 1)))).not.toBe(base)
    }
  })

  it("misses a same-size, same-time rewrite between samples (what size and time are for)", async () => {
    expect(await fingerprintOf(fileOf(flipped(bytes, 100 * KiB)))).toBe(await fingerprintOf(fileOf(bytes)))
  })

  it("fingerprints every byte of a file of 12 KiB or less", async () => {
    const small = patternBytes(12 * KiB, 3)
    const base = await fingerprintOf(fileOf(small))
    for (const offset of [0, 4 * KiB + 1, 6 * KiB, 12 * KiB - 1]) {
      expect(await fingerprintOf(fileOf(flipped(small, offset)))).not.toBe(base)
    }
  })

  it("fingerprints the samples as SHA-256 of their concatenation, as node:crypto does", async () => {
    const hash = createHash("sha256")
    for (const range of sampleRanges(bytes.length)) hash.update(bytes.subarray(range.offset, range.offset + range.length))
    expect(await fingerprintBlob(fileOf(bytes))).toBe(hash.digest("hex").slice(0, 32))
  })

  it("gives the same fingerprint without WebCrypto (a page that is not a secure context)", async () => {
    const withSubtle = await fingerprintBlob(fileOf(bytes))
    vi.stubGlobal("crypto", {})
    expect(await fingerprintBlob(fileOf(bytes))).toBe(withSubtle)
  })

  it("reads the samples once per identity, and gives a fingerprint that matches nothing when they cannot be read", async () => {
    const file = fileOf(bytes)
    const slice = vi.spyOn(file, "slice")
    const identity = identifyBlob(sourceOf(file))!
    const first = await Effect.runPromise(identity.fingerprint)
    expect(await Effect.runPromise(identity.fingerprint)).toBe(first)
    expect(slice).toHaveBeenCalledTimes(sampleRanges(bytes.length).length)

    const gone = fileOf(patternBytes(100, 1))
    vi.spyOn(gone, "slice").mockImplementation(() => {
      throw new DOMException("gone", "NotFoundError")
    })
    expect(await Effect.runPromise(identifyBlob(sourceOf(gone))!.fingerprint)).toBe("unreadable")
  })

  it("says a file it identified is unchanged", async () => {
    const identity = identifyBlob(sourceOf(fileOf(bytes)))
    expect(await Effect.runPromise(identity!.unchanged)).toBe(true)
    const empty = identifyBlob(sourceOf(fileOf(new Uint8Array(0))))
    expect(await Effect.runPromise(empty!.unchanged)).toBe(true)
  })

  it("says a file that can no longer be read has changed", async () => {
    const file = fileOf(bytes)
    const identity = identifyBlob(sourceOf(file))
    // What Chromium does with a File whose file on disk changed after it was picked.
    vi.spyOn(file, "slice").mockImplementation(() => {
      const refused = new Blob([])
      refused.arrayBuffer = () => Promise.reject(new DOMException("changed", "NotReadableError"))
      return refused
    })
    expect(await Effect.runPromise(identity!.unchanged)).toBe(false)
  })
})

describe("identify", () => {
  it("identifies Files and leaves plain Blobs (typed text) and paths unidentified, in order", async () => {
    const identities = await Effect.runPromise(identify([
      sourceOf(fileOf(patternBytes(MiB, 1))),
      sourceOf(new Blob(["some text"]), "text"),
      new PathSource({ path: "/etc/hostname" })
    ]))
    expect(identities.map((identity) => identity?.size)).toEqual([MiB, undefined, undefined])
  })

  it("leaves Files under 1 MiB to be hashed again, reading none of them: vouching for one costs more than hashing it", async () => {
    const files = [0, 4 * KiB, 12 * KiB + 1, MiB - 1, MiB].map((size) => fileOf(patternBytes(size, 5)))
    const slices = files.map((file) => vi.spyOn(file, "slice"))
    const identities = await Effect.runPromise(identify(files.map((file) => sourceOf(file))))
    expect(identities.map((identity) => identity?.size)).toEqual([undefined, undefined, undefined, undefined, MiB])
    for (const slice of slices) expect(slice).not.toHaveBeenCalled()
    expect(files.map((file) => cacheable(file))).toEqual([false, false, false, false, true])
    expect(CACHE_FROM_BYTES).toBe(MiB)
  })
})
