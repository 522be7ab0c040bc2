/**
 * Digests in the result cache: one entry per (algorithm, kernel version, content
 * identity), holding the digest and the byte count. Nothing else about the file is stored.
 */
import { Effect } from "effect"
import type { HashAlgorithm } from "../domain/HashAlgorithm.js"
import type { CacheKey, ContentIdentity, ResultCache } from "./ResultCache.js"

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
 * Every requested digest of the content, or undefined unless all of them are cached and
 * still vouched for: by the metadata, or by the sampled blocks where it could not be.
 */
export const lookupDigests = (
  cache: ResultCache["Service"],
  identity: ContentIdentity,
  algorithms: ReadonlyArray<HashAlgorithm>
): Effect.Effect<CachedDigests | undefined> =>
  Effect.gen(function*() {
    const digests: Record<string, string> = {}
    let fingerprint: string | undefined
    for (const algorithm of algorithms) {
      const value = yield* cache.get(digestKey(cache, algorithm, identity))
      const entry = value === undefined ? undefined : parse(value)
      if (entry === undefined || entry.bytes !== identity.size) return undefined
      if (entry.fingerprint !== undefined) {
        fingerprint ??= yield* identity.fingerprint
        if (fingerprint !== entry.fingerprint) return undefined
      }
      digests[algorithm] = entry.digest
    }
    return algorithms.length === 0 ? undefined : { digests, bytes: identity.size }
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
