import { sha256 } from "@noble/hashes/sha2.js"
import { utf8ToBytes } from "@noble/hashes/utils.js"
import { Context, Effect, Layer } from "effect"
import type { Source } from "../Source.js"
import { toHex } from "../format.js"
import * as Metrics from "../metrics/Metrics.js"
import type { CacheFailed, CacheLevel } from "./CacheLevel.js"
import { levelKey as levelKeyOf } from "./levelKey.js"

export { CACHE_FORMAT } from "./levelKey.js"

/**
 * What a source is, as far as a cached result cares. `key` holds what the platform's
 * metadata says (Node: device, inode, size, mtime and ctime in nanoseconds; a browser:
 * name, size, lastModified), and changes with any write that metadata can see.
 *
 * Metadata cannot see everything: a write in the same clock tick as the one before it
 * leaves the times as they were (git's "racy" files), and a browser has no ctime at all,
 * so restoring a file's mtime hides a rewrite. For those, `settled` is false when the
 * result is stored: the entry then also keeps `fingerprint` (a hash of sampled blocks:
 * head, middle and tail), and a later lookup answers only if the fingerprint still
 * matches. A settled file is answered on its metadata, as git, rsync and backup tools do,
 * without reading it: a tree of a million unchanged files costs a million stats.
 */
export interface ContentIdentity {
  readonly key: string
  readonly size: number
  /** True when any later write will change `key` (Node: the file's ctime is safely in the past). */
  readonly settled: Effect.Effect<boolean>
  readonly fingerprint: Effect.Effect<string>
  /** Checks again, cheaply, after a result was computed: a file written while it was hashed is not cached. */
  readonly unchanged: Effect.Effect<boolean>
  /**
   * `settled` and `unchanged` without an Effect, where the platform can answer at once
   * (Node): a tree's results are then stored with no Effect per file. `unchangedNow`
   * takes the key the worker saw once it had read the file, when it sent one: equal to
   * `key`, the file did not change, and nothing is asked of the file system.
   */
  readonly settledNow?: () => boolean
  readonly unchangedNow?: (after?: string) => boolean
  readonly fingerprintNow?: () => string
}

/** The identity of each source, or undefined for one that has none (a pipe). */
export type Identify = (sources: ReadonlyArray<Source>) => Effect.Effect<ReadonlyArray<ContentIdentity | undefined>>

/**
 * What identifies one result: its kind (`digest`, later `verdict`), and parts such as the
 * algorithm, the content identity and the kernel's version. Only results that anyone could
 * recompute from the input belong here: never a key, a passphrase or plaintext.
 */
export interface CacheKey {
  readonly kind: string
  readonly parts: ReadonlyArray<string>
}

export interface LevelStats {
  readonly name: string
  readonly hits: number
  readonly misses: number
  readonly writes: number
  readonly entries: number
  readonly bytes: number
  /** Why the level is no longer used in this run; the cache goes on without it. */
  readonly degraded?: string
}

export interface CacheStats {
  readonly lookups: number
  readonly hits: number
  readonly levels: ReadonlyArray<LevelStats>
}

export interface ResultCacheOptions {
  /** Fastest first: memory, then what persists. */
  readonly levels: ReadonlyArray<CacheLevel>
  readonly identify: Identify
  /** The application's version: a new one starts with an empty cache. */
  readonly appVersion: string
  /** The version of the kernel that computes `algorithm` here, so a fixed kernel's results are not reused. */
  readonly kernelVersion: (algorithm: string) => string
  /** SHA-256 of a string as hex, to turn keys into level keys; the platform's fastest (default: @noble/hashes). */
  readonly sha256Hex?: (text: string) => string
}

/**
 * Results worth not computing twice, over levels from memory to persistent storage. A
 * level that fails is dropped for the rest of the run, with the reason in `stats`: the
 * operation that asked always goes on, from the levels left or by computing.
 */
export class ResultCache extends Context.Service<ResultCache, {
  readonly identify: Identify
  readonly kernelVersion: (algorithm: string) => string
  readonly get: (key: CacheKey) => Effect.Effect<string | undefined>
  /** Many lookups in one pass over the levels: what a tree of files asks. */
  readonly getMany: (keys: ReadonlyArray<CacheKey>) => Effect.Effect<ReadonlyArray<string | undefined>>
  readonly set: (key: CacheKey, value: string) => Effect.Effect<void>
  /** Many writes in one pass over the levels: what a tree of files stores. */
  readonly setMany: (entries: ReadonlyArray<{ readonly key: CacheKey; readonly value: string }>) => Effect.Effect<void>
  /**
   * The key a level stores `key` under (`levelKey`). A tree's lookup computes it once per
   * file and keeps it for the store (`getManyIds`, `setManyIds`), rather than hashing the
   * same key twice.
   */
  readonly levelId: (key: CacheKey) => string
  readonly getManyIds: (ids: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<string | undefined>>
  readonly setManyIds: (entries: ReadonlyArray<readonly [id: string, value: string]>) => Effect.Effect<void>
  readonly stats: Effect.Effect<CacheStats>
  readonly clear: Effect.Effect<void>
  /** Drops entries of other versions and what exceeds each level's limits; returns how many went. */
  readonly prune: Effect.Effect<number>
  readonly flush: Effect.Effect<void>
}>()("@sluice/core/ResultCache") {}

const nobleSha256Hex = (text: string) => toHex(sha256(utf8ToBytes(text)))

/** A key as levels store it: the hash of everything that identifies the result, so no path or name is stored. */
export const levelKey = (appVersion: string, key: CacheKey, sha256Hex: (text: string) => string = nobleSha256Hex): string =>
  levelKeyOf(appVersion, key, sha256Hex)

interface Tracked {
  readonly level: CacheLevel
  hits: number
  misses: number
  writes: number
  degraded: string | undefined
}

export const make = (options: ResultCacheOptions): ResultCache["Service"] => {
  const levels: Array<Tracked> = options.levels.map((level) => ({ level, hits: 0, misses: 0, writes: 0, degraded: undefined }))
  let lookups = 0
  let hits = 0
  const live = () => levels.filter((t) => t.degraded === undefined)
  /** Runs `use` on a level; a failure retires the level and gives `orElse`. */
  const guarded = <A>(tracked: Tracked, use: Effect.Effect<A, CacheFailed>, orElse: A) =>
    Effect.catch(use, (failure) =>
      Effect.as(
        Effect.andThen(
          Effect.sync(() => tracked.degraded = failure.detail),
          Metrics.record(Metrics.cacheDegraded, 1, { level: tracked.level.name, reason: failure.detail })
        ),
        orElse
      ))

  const idOf = (key: CacheKey) => levelKey(options.appVersion, key, options.sha256Hex)

  const getMany = (keys: ReadonlyArray<CacheKey>) => getManyIds(keys.map(idOf))

  const getManyIds = (ids: ReadonlyArray<string>) =>
    Effect.gen(function*() {
      const found = new Array<string | undefined>(ids.length).fill(undefined)
      let wanted = ids.map((_, i) => i)
      lookups += ids.length
      const missedBy: Array<Tracked> = []
      for (const tracked of live()) {
        if (wanted.length === 0) break
        const asked = wanted.map((i) => ids[i]!)
        const level = tracked.level
        const answers = yield* guarded(
          tracked,
          level.getMany?.(asked) ?? Effect.forEach(asked, (id) => level.get(id)),
          asked.map(() => undefined)
        )
        const still: Array<number> = []
        const learnt: Array<readonly [string, string]> = []
        for (let j = 0; j < wanted.length; j++) {
          const i = wanted[j]!
          const value = answers[j]
          if (value === undefined) {
            still.push(i)
            continue
          }
          found[i] = value
          if (missedBy.length > 0) learnt.push([ids[i]!, value])
        }
        // Faster levels learn what a slower one knew, all at once.
        if (learnt.length > 0) for (const faster of missedBy) yield* guarded(faster, setAll(faster.level, learnt), undefined)
        tracked.hits += wanted.length - still.length
        tracked.misses += still.length
        yield* Metrics.record(Metrics.cacheLookups, wanted.length - still.length, { level: level.name, result: "hit" })
        yield* Metrics.record(Metrics.cacheLookups, still.length, { level: level.name, result: "miss" })
        hits += wanted.length - still.length
        missedBy.push(tracked)
        wanted = still
      }
      return found
    })

  const get = (key: CacheKey) => Effect.map(getMany([key]), (values) => values[0])

  const setAll = (level: CacheLevel, entries: ReadonlyArray<readonly [string, string]>) =>
    level.setMany?.(entries) ?? Effect.forEach(entries, ([id, value]) => level.set(id, value), { discard: true })

  const setMany = (entries: ReadonlyArray<{ readonly key: CacheKey; readonly value: string }>) =>
    setManyIds(entries.map(({ key, value }) => [idOf(key), value] as const))

  const setManyIds = (list: ReadonlyArray<readonly [string, string]>) =>
    Effect.gen(function*() {
      if (list.length === 0) return
      for (const tracked of live()) {
        // Writes the level refused are not counted; the level is dropped instead.
        if (yield* guarded(tracked, Effect.as(setAll(tracked.level, list), true), false)) tracked.writes += list.length
      }
    })

  const set = (key: CacheKey, value: string) =>
    Effect.gen(function*() {
      const id = idOf(key)
      for (const tracked of live()) {
        // A write the level refused is not counted; the level is dropped instead.
        if (yield* guarded(tracked, Effect.as(tracked.level.set(id, value), true), false)) tracked.writes++
      }
    })

  const each = (use: (level: CacheLevel) => Effect.Effect<number | void, CacheFailed>) =>
    Effect.gen(function*() {
      let total = 0
      for (const tracked of live()) {
        const n = yield* guarded(tracked, use(tracked.level), 0)
        total += typeof n === "number" ? n : 0
      }
      return total
    })

  return {
    identify: options.identify,
    kernelVersion: options.kernelVersion,
    get,
    getMany,
    set,
    setMany,
    levelId: idOf,
    getManyIds,
    setManyIds,
    stats: Effect.gen(function*() {
      const stats: Array<LevelStats> = []
      for (const tracked of levels) {
        const size = tracked.degraded === undefined
          ? yield* guarded(tracked, tracked.level.size, { entries: 0, bytes: 0 })
          : { entries: 0, bytes: 0 }
        stats.push({
          name: tracked.level.name,
          hits: tracked.hits,
          misses: tracked.misses,
          writes: tracked.writes,
          ...size,
          ...(tracked.degraded === undefined ? {} : { degraded: tracked.degraded })
        })
      }
      return { lookups, hits, levels: stats }
    }),
    clear: Effect.asVoid(each((level) => level.clear)),
    prune: each((level) => level.prune),
    flush: Effect.asVoid(each((level) => level.flush))
  }
}

/** The cache over `options.levels`; what is buffered is written when the layer closes. */
export const layer = (options: ResultCacheOptions): Layer.Layer<ResultCache> =>
  Layer.effect(ResultCache)(Effect.acquireRelease(Effect.sync(() => make(options)), (cache) => cache.flush))
