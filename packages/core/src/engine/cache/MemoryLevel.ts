import { Effect } from "effect"
import type { CacheLevel, LevelLimits } from "./CacheLevel.js"

export const DEFAULT_MEMORY_LIMITS: LevelLimits = { maxEntries: 100_000, maxBytes: 32 * 1024 * 1024 }

const entryBytes = (key: string, value: string) => 2 * (key.length + value.length)

/**
 * The L1 level: a least-recently-used map in this process, bounded by entries and by
 * bytes (strings counted at two bytes a character). It never fails.
 */
export const makeMemoryLevel = (limits: LevelLimits = DEFAULT_MEMORY_LIMITS): CacheLevel => {
  // A Map iterates in insertion order: re-inserting on use keeps the oldest use first.
  const entries = new Map<string, string>()
  let bytes = 0
  const evict = () => {
    let removed = 0
    for (const [key, value] of entries) {
      if (entries.size <= limits.maxEntries && bytes <= limits.maxBytes) break
      entries.delete(key)
      bytes -= entryBytes(key, value)
      removed++
    }
    return removed
  }
  const use = (key: string) => {
    const value = entries.get(key)
    if (value !== undefined) {
      entries.delete(key)
      entries.set(key, value)
    }
    return value
  }
  const put = (key: string, value: string) => {
    const old = entries.get(key)
    if (old !== undefined) {
      entries.delete(key)
      bytes -= entryBytes(key, old)
    }
    entries.set(key, value)
    bytes += entryBytes(key, value)
  }
  return {
    name: "memory",
    get: (key) => Effect.sync(() => use(key)),
    getMany: (keys) => Effect.sync(() => keys.map(use)),
    set: (key, value) =>
      Effect.sync(() => {
        put(key, value)
        evict()
      }),
    setMany: (list) =>
      Effect.sync(() => {
        for (const [key, value] of list) put(key, value)
        evict()
      }),
    size: Effect.sync(() => ({ entries: entries.size, bytes })),
    clear: Effect.sync(() => {
      entries.clear()
      bytes = 0
    }),
    prune: Effect.sync(evict),
    flush: Effect.void
  }
}
