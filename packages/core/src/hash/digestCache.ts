/**
 * Digests in the result cache: one entry per (algorithm, kernel version, content
 * identity), holding the digest and the byte count. Nothing else about the file is stored.
 */
import { Effect } from "effect"
import type { HashAlgorithm } from "./HashAlgorithm.js"
import type { CacheKey, ContentIdentity, ResultCache } from "../engine/cache/ResultCache.js"

const HEX = /^[0-9a-f]{8,256}$/

export const digestKey = (cache: ResultCache["Service"], algorithm: string, identity: ContentIdentity): CacheKey => ({
  kind: "digest",
  parts: [algorithm, cache.kernelVersion(algorithm), identity.key]
})

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
    if (typeof parsed.d !== "string" || !HEX.test(parsed.d)) return undefined
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
    for (const { algorithms, identity } of wanted) {
      if (identity !== undefined) for (const algorithm of algorithms) keys.push(digestKey(cache, algorithm, identity))
    }
    const values = yield* cache.getMany(keys)
    let next = 0
    const results: Array<CachedDigests | undefined> = []
    for (const { algorithms, identity } of wanted) {
      if (identity === undefined) {
        results.push(undefined)
        continue
      }
      const entries = algorithms.map(() => {
        const value = values[next++]
        return value === undefined ? undefined : parse(value)
      })
      results.push(yield* vouched(identity, algorithms, entries))
    }
    return results
  })

const vouched = (
  identity: ContentIdentity,
  algorithms: ReadonlyArray<HashAlgorithm>,
  entries: ReadonlyArray<Entry | undefined>
): Effect.Effect<CachedDigests | undefined> =>
  Effect.gen(function*() {
    if (algorithms.length === 0) return undefined
    const digests: Record<string, string> = {}
    let fingerprint: string | undefined
    for (let i = 0; i < algorithms.length; i++) {
      const entry = entries[i]
      if (entry === undefined || entry.bytes !== identity.size) return undefined
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
