/**
 * Content identity of `File`s in a browser: the path the page knows it by, the file's own
 * name, its size and lastModified, and a fingerprint of sampled blocks (`sampleRanges`)
 * kept with every entry. A page sees no inode nor ctime, so metadata never vouches alone:
 * the fingerprint catches a rewrite that kept the size and restored the time whenever the
 * change touches a sample, and covers every byte of a file of 12 KiB or less. The result
 * cache takes files from `CACHE_FROM_BYTES` only (below it, vouching costs more than hashing).
 */
import { sha256 } from "@noble/hashes/sha2.js"
import { Effect } from "effect"
import { FINGERPRINT_HEX, sampleRanges, UNREADABLE_FINGERPRINT } from "../engine/cache/fingerprint.js"
import type { ContentIdentity, Identify } from "../engine/cache/ResultCache.js"
import type { BlobLike, BlobSource } from "../engine/Source.js"
import { toHex } from "../engine/format.js"

/** What a `File` adds to a `Blob`, read structurally so that the core compiles without the DOM library. */
interface FileLike extends BlobLike {
  readonly name: string
  readonly lastModified: number
}

interface SubtleLike {
  digest(algorithm: "SHA-256", data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer>
}

/** A plain `Blob` (typed text) has no time to tell one content from another: it is never identified. */
const isFile = (blob: BlobLike): blob is FileLike =>
  typeof (blob as Partial<FileLike>).lastModified === "number" && typeof (blob as Partial<FileLike>).name === "string"

/**
 * SHA-256 with WebCrypto where the page has it (a secure context), else @noble/hashes: an
 * `http:` page on a LAN address has no `crypto.subtle`.
 */
const sha256Hex = async (bytes: Uint8Array<ArrayBuffer>): Promise<string> => {
  const subtle = (globalThis as { readonly crypto?: { readonly subtle?: SubtleLike } }).crypto?.subtle
  return toHex(subtle === undefined ? sha256(bytes) : new Uint8Array(await subtle.digest("SHA-256", bytes)))
}

/**
 * The samples of `blob`, read with `slice`, one after the other into one buffer, then
 * hashed. (Read as one `Blob` of the three slices, the `Blob` constructor cost the main
 * thread more than the two reads it saved: ~0.4-0.7 ms a file in Chromium.)
 */
export const fingerprintBlob = async (blob: BlobLike): Promise<string> => {
  const ranges = sampleRanges(blob.size)
  const bytes = new Uint8Array(ranges.reduce((n, range) => n + range.length, 0))
  let at = 0
  for (const range of ranges) {
    const piece = new Uint8Array(await blob.slice(range.offset, range.offset + range.length).arrayBuffer())
    bytes.set(piece, at)
    at += piece.length
  }
  return (await sha256Hex(bytes.subarray(0, at))).slice(0, FINGERPRINT_HEX)
}

const statKey = (file: FileLike) => `${file.size}:${file.lastModified}`

/**
 * The identity of a `File` (a plain `Blob` has none). Its key is metadata; a page sees no
 * ctime, so a rewrite that restores lastModified is invisible to it and the identity is
 * never `settled`: every entry keeps the fingerprint, read once per identity when first
 * asked. (Reading fingerprints ahead, several at once, gained nothing in Chromium: its
 * reads of a `File` take about 0.6 ms each, one after the other.)
 */
export const identifyBlob = (source: BlobSource): ContentIdentity | undefined => {
  const file = source.blob
  if (!isFile(file)) return undefined
  const before = statKey(file)
  let fingerprint: Promise<string> | undefined
  const readFingerprint = () => fingerprint ??= fingerprintBlob(file).catch(() => UNREADABLE_FINGERPRINT)
  return {
    // `source.name` is the path the page shows (the relative path of a picked or dropped
    // folder's file, which `webkitRelativePath` holds only when picked): a folder picked once
    // and dropped the next time is the same.
    key: ["blob", source.name, file.name, before].join("\u0000"),
    size: file.size,
    settled: Effect.succeed(false),
    fingerprint: Effect.promise(readFingerprint),
    // A `File` is a snapshot: its size and time do not move, but reading one whose file
    // changed on disk since it was picked fails. So the check is the snapshot plus a read:
    // the fingerprint's, which the store needs next anyway (one read, not two).
    unchanged: Effect.promise(async () => {
      if (statKey(file) !== before) return false
      if (file.size === 0) return true
      return (await readFingerprint()) !== UNREADABLE_FINGERPRINT
    })
  }
}

/**
 * Files smaller than this are hashed again rather than answered from the result cache. A
 * page sees no ctime, so an entry is vouched for by its fingerprint, read on the page's
 * main thread: three `slice`s (each a synchronous round trip to the browser, ~0.3 ms) and
 * their reads, or the whole file up to 12 KiB. Measured in Chromium (1,000 files of
 * 64 KiB, 300 of 256 KiB, 100 of 1 MiB, SHA-256, the same files picked again): answered
 * from the cache 2.9-3.1 s, 0.78-0.88 s and 0.34-0.42 s, hashed again on the pool
 * 1.1-1.4 s, 0.44-0.61 s and 0.41-0.57 s; 1,000 files of 4 KiB took ~1.9 s with the cache
 * and ~1.0-1.4 s without. From 1 MiB up the cache is the faster, and its lead grows with
 * the file.
 */
export const CACHE_FROM_BYTES = 1024 * 1024

/** Whether the result cache takes this `File`: `fromBytes` or more (`CACHE_FROM_BYTES`). */
export const cacheable = (file: BlobLike, fromBytes: number = CACHE_FROM_BYTES): boolean => file.size >= fromBytes

/**
 * `File`s of `fromBytes` or more are identified (`cacheable`); smaller ones, plain `Blob`s
 * (typed text), paths and standard input never are. A source without an identity is
 * hashed, and its result not kept.
 */
export const identifyFrom = (fromBytes: number): Identify => (sources) =>
  Effect.sync(() =>
    sources.map((source) => source._tag === "BlobSource" && cacheable(source.blob, fromBytes) ? identifyBlob(source) : undefined)
  )

/** `identifyFrom(CACHE_FROM_BYTES)`: the page's result cache. */
export const identify: Identify = identifyFrom(CACHE_FROM_BYTES)
