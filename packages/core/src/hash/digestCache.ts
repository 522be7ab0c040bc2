/**
 * Digests in the result cache: one entry per (algorithm, kernel version, content
 * identity), holding the digest and the byte count. Nothing else about the file is stored.
 */
import { Effect } from "effect"
import type { HashAlgorithm } from "./HashAlgorithm.js"
import type { CacheKey, ContentIdentity, ResultCache } from "../engine/cache/ResultCache.js"

/** Lower-case hex of 8 to 256 digits: a loop, not a regular expression (~2 µs a digest in a fresh process, 10,000 of them a check). */
const isDigestHex = (text: string): boolean => {
  if (text.length < 8 || text.length > 256) return false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false
  }
  return true
}

export const digestKey = (
  cache: ResultCache["Service"],
  algorithm: string,
  identity: ContentIdentity,
  kernel: string = cache.kernelVersion(algorithm)
): CacheKey => ({
  kind: "digest",
  parts: [algorithm, kernel, identity.key]
})

/** `cache.kernelVersion`, asked once per algorithm for a whole tree rather than once per file. */
const kernelVersions = (cache: ResultCache["Service"]) => {
  const known = new Map<string, string>()
  return (algorithm: string) => {
    let version = known.get(algorithm)
    if (version === undefined) known.set(algorithm, version = cache.kernelVersion(algorithm))
    return version
  }
}

interface Entry {
  readonly digest: string
  readonly bytes: number
  /** The fingerprint the content had, when its metadata could not vouch for it. */
  readonly fingerprint?: string
}

/** A cached value that is not a digest (a foreign or damaged entry) is a miss. */
const parse = (value: string): Entry | undefined => {
  try {
    const parsed = JSON.parse(value) as { d?: unknown; b?: unknown; f?: unknown }
    if (typeof parsed.d !== "string" || !isDigestHex(parsed.d)) return undefined
    if (!Number.isSafeInteger(parsed.b) || (parsed.b as number) < 0) return undefined
    if (parsed.f !== undefined && typeof parsed.f !== "string") return undefined
    return { digest: parsed.d, bytes: parsed.b as number, ...(parsed.f === undefined ? {} : { fingerprint: parsed.f }) }
  } catch {
    return undefined
  }
}

export interface CachedDigests {
  readonly digests: Record<string, string>
  readonly bytes: number
}

/**
 * For each content, every requested digest, or undefined unless all of them are cached and
 * still vouched for: by the metadata, or by the sampled blocks where it could not be. One
 * pass over the cache for the whole job.
 */
export const lookupDigests = (
  cache: ResultCache["Service"],
  wanted: ReadonlyArray<{ readonly identity: ContentIdentity | undefined; readonly algorithms: ReadonlyArray<HashAlgorithm> }>
): Effect.Effect<ReadonlyArray<CachedDigests | undefined>> =>
  Effect.gen(function*() {
    const keys: Array<CacheKey> = []
    const kernel = kernelVersions(cache)
    for (const { algorithms, identity } of wanted) {
      if (identity !== undefined) for (const algorithm of algorithms) keys.push(digestKey(cache, algorithm, identity, kernel(algorithm)))
    }
    const values = yield* cache.getMany(keys)
    let next = 0
    const results: Array<CachedDigests | undefined> = []
    for (const { algorithms, identity } of wanted) {
      if (identity === undefined) {
        results.push(undefined)
        continue
      }
      const entries: Array<Entry | undefined> = []
      for (let i = 0; i < algorithms.length; i++) {
        const value = values[next++]
        entries.push(value === undefined ? undefined : parse(value))
      }
      const answer = vouched(identity, algorithms, entries)
      results.push(Effect.isEffect(answer) ? yield* answer : answer)
    }
    return results
  })

const vouched = (
  identity: ContentIdentity,
  algorithms: ReadonlyArray<HashAlgorithm>,
  entries: ReadonlyArray<Entry | undefined>
): Effect.Effect<CachedDigests | undefined> | CachedDigests | undefined => {
  if (algorithms.length === 0) return undefined
  const digests: Record<string, string> = {}
  let fingerprinted = false
  for (let i = 0; i < algorithms.length; i++) {
    const entry = entries[i]
    if (entry === undefined || entry.bytes !== identity.size) return undefined
    // Metadata could not vouch for this content when it was stored: its sampled blocks must.
    if (entry.fingerprint !== undefined) fingerprinted = true
    digests[algorithms[i]!] = entry.digest
  }
  return fingerprinted ? vouchedByFingerprint(identity, algorithms, entries) : { digests, bytes: identity.size }
}

const vouchedByFingerprint = (
  identity: ContentIdentity,
  algorithms: ReadonlyArray<HashAlgorithm>,
  entries: ReadonlyArray<Entry | undefined>
): Effect.Effect<CachedDigests | undefined> =>
  Effect.gen(function*() {
    const digests: Record<string, string> = {}
    let fingerprint: string | undefined
    for (let i = 0; i < algorithms.length; i++) {
      const entry = entries[i]!
      if (entry.fingerprint !== undefined) {
        fingerprint ??= yield* identity.fingerprint
        if (fingerprint !== entry.fingerprint) return undefined
      }
      digests[algorithms[i]!] = entry.digest
    }
    return { digests, bytes: identity.size }
  })

/** Caches the digests of the content, unless it changed while it was hashed. */
export const storeDigests = (
  cache: ResultCache["Service"],
  identity: ContentIdentity,
  digests: Readonly<Record<string, string>>,
  bytes: number
): Effect.Effect<void> =>
  Effect.gen(function*() {
    if (bytes !== identity.size || !(yield* identity.unchanged)) return
    const fingerprint = (yield* identity.settled) ? undefined : yield* identity.fingerprint
    for (const [algorithm, digest] of Object.entries(digests)) {
      const value = { d: digest, b: bytes, ...(fingerprint === undefined ? {} : { f: fingerprint }) }
      yield* cache.set(digestKey(cache, algorithm, identity), JSON.stringify(value))
    }
  })

export interface ToStore {
  readonly identity: ContentIdentity
  readonly digests: Readonly<Record<string, string>>
  readonly bytes: number
  /** The identity's key as the worker saw it once the file was read, when it sent one. */
  readonly after?: string | undefined
}

/**
 * `storeDigests` for many contents in one write to the cache. Where the identities answer
 * at once (`settledNow`, `unchangedNow`), no Effect is made per content; a content whose
 * key the worker saw unchanged after reading it needs no stat either.
 */
export const storeManyDigests = (cache: ResultCache["Service"], items: ReadonlyArray<ToStore>): Effect.Effect<void> =>
  Effect.gen(function*() {
    const entries: Array<{ key: CacheKey; value: string }> = []
    const kernel = kernelVersions(cache)
    for (const { after, bytes, digests, identity } of items) {
      if (bytes !== identity.size) continue
      let fingerprint: string | undefined
      if (identity.unchangedNow !== undefined && identity.settledNow !== undefined) {
        if (!identity.unchangedNow(after)) continue
        fingerprint = identity.settledNow() ? undefined : yield* identity.fingerprint
      } else {
        if (!(yield* identity.unchanged)) continue
        fingerprint = (yield* identity.settled) ? undefined : yield* identity.fingerprint
      }
      for (const algorithm in digests) {
        const value = { d: digests[algorithm]!, b: bytes, ...(fingerprint === undefined ? {} : { f: fingerprint }) }
        entries.push({ key: digestKey(cache, algorithm, identity, kernel(algorithm)), value: JSON.stringify(value) })
      }
    }
    yield* cache.setMany(entries)
  })
