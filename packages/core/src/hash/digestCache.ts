/**
 * Digests in the result cache: one entry per (algorithm, kernel version, content
 * identity), holding the digest and the byte count. Nothing else about the file is stored.
 */
import { Effect } from "effect"
import type { HashAlgorithm } from "./HashAlgorithm.js"
import type { CacheKey, ContentIdentity, ResultCache } from "../engine/cache/ResultCache.js"
import { type DigestEntry as Entry, entryValue, parseDigestEntry as parse } from "./digestEntry.js"

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

export interface CachedDigests {
  readonly digests: Record<string, string>
  readonly bytes: number
}

/** The level keys of one content's entries, by algorithm: what `lookupDigests` hands on to `storeManyDigests`. */
export type LevelIds = Readonly<Record<string, string>>

/**
 * For each content, every requested digest, or undefined unless all of them are cached and
 * still vouched for: by the metadata, or by the sampled blocks where it could not be. One
 * pass over the cache for the whole job. With `ids`, `ids[i]` is set to content i's level
 * keys, for the store after it is hashed.
 */
export const lookupDigests = (
  cache: ResultCache["Service"],
  wanted: ReadonlyArray<{ readonly identity: ContentIdentity | undefined; readonly algorithms: ReadonlyArray<HashAlgorithm> }>,
  ids?: Array<LevelIds | undefined>
): Effect.Effect<ReadonlyArray<CachedDigests | undefined>> =>
  Effect.gen(function*() {
    const keys: Array<string> = []
    const kernel = kernelVersions(cache)
    for (let i = 0; i < wanted.length; i++) {
      const { algorithms, identity } = wanted[i]!
      if (identity === undefined) continue
      const mine: Record<string, string> = {}
      for (const algorithm of algorithms) keys.push(mine[algorithm] = cache.levelId(digestKey(cache, algorithm, identity, kernel(algorithm))))
      if (ids !== undefined) ids[i] = mine
    }
    const values = yield* cache.getManyIds(keys)
    let next = 0
    const results: Array<CachedDigests | undefined> = []
    for (const { algorithms, identity } of wanted) {
      if (identity === undefined) {
        results.push(undefined)
        continue
      }
      // A miss (what a new tree is, file after file) allocates nothing more.
      let missing = false
      for (let i = 0; i < algorithms.length; i++) if (values[next + i] === undefined) missing = true
      if (missing || algorithms.length === 0) {
        next += algorithms.length
        results.push(undefined)
        continue
      }
      const entries: Array<Entry | undefined> = []
      for (let i = 0; i < algorithms.length; i++) entries.push(parse(values[next++]!))
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
  /** The level keys the lookup computed for this content (`lookupDigests`' `ids`), by algorithm. */
  readonly ids?: LevelIds | undefined
}

/**
 * `storeDigests` for many contents in one write to the cache. Where the identities answer
 * at once (`settledNow`, `unchangedNow`), no Effect is made per content; a content whose
 * key the worker saw unchanged after reading it needs no stat either, and one whose level
 * keys the lookup kept is not keyed again.
 */
export const storeManyDigests = (cache: ResultCache["Service"], items: ReadonlyArray<ToStore>): Effect.Effect<void> =>
  Effect.gen(function*() {
    const entries: Array<readonly [string, string]> = []
    const kernel = kernelVersions(cache)
    for (const { after, bytes, digests, identity, ids } of items) {
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
        const id = ids?.[algorithm] ?? cache.levelId(digestKey(cache, algorithm, identity, kernel(algorithm)))
        entries.push([id, entryValue(digests[algorithm]!, bytes, fingerprint)])
      }
    }
    yield* cache.setManyIds(entries)
  })
