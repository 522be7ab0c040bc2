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

/** A cached value that is not a digest (a foreign or damaged entry) is a miss. */
const parse = (value: string): { readonly digest: string; readonly bytes: number } | undefined => {
  try {
    const parsed = JSON.parse(value) as { d?: unknown; b?: unknown }
    return typeof parsed.d === "string" && HEX.test(parsed.d) && Number.isSafeInteger(parsed.b) && (parsed.b as number) >= 0
      ? { digest: parsed.d, bytes: parsed.b as number }
      : undefined
  } catch {
    return undefined
  }
}

export interface CachedDigests {
  readonly digests: Record<string, string>
  readonly bytes: number
}

/** Every requested digest of the content, or undefined unless all of them are cached. */
export const lookupDigests = (
  cache: ResultCache["Service"],
  identity: ContentIdentity,
  algorithms: ReadonlyArray<HashAlgorithm>
): Effect.Effect<CachedDigests | undefined> =>
  Effect.gen(function*() {
    const digests: Record<string, string> = {}
    let bytes: number | undefined
    for (const algorithm of algorithms) {
      const value = yield* cache.get(digestKey(cache, algorithm, identity))
      const entry = value === undefined ? undefined : parse(value)
      if (entry === undefined || entry.bytes !== identity.size || (bytes !== undefined && entry.bytes !== bytes)) {
        return undefined
      }
      digests[algorithm] = entry.digest
      bytes = entry.bytes
    }
    return bytes === undefined ? undefined : { digests, bytes }
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
    for (const [algorithm, digest] of Object.entries(digests)) {
      yield* cache.set(digestKey(cache, algorithm, identity), JSON.stringify({ d: digest, b: bytes }))
    }
  })
