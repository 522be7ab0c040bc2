import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { CacheFailed, type CacheLevel } from "./CacheLevel.js"
import { makeMemoryLevel } from "./MemoryLevel.js"
import { createHash } from "node:crypto"
import { CACHE_FORMAT, type CacheKey, levelKey, make } from "./ResultCache.js"

const key = (n: number): CacheKey => ({ kind: "digest", parts: ["sha256", "kernel/1", `file-${n}`] })

const options = (levels: ReadonlyArray<CacheLevel>) => ({
  levels,
  identify: () => Effect.succeed([]),
  appVersion: "9.9.9",
  kernelVersion: () => "kernel/1"
})

/** A level that refuses everything, as a read-only or full directory does. */
const brokenLevel: CacheLevel = {
  name: "disk",
  get: () => Effect.fail(new CacheFailed({ level: "disk", detail: "read: EACCES: permission denied" })),
  set: () => Effect.fail(new CacheFailed({ level: "disk", detail: "write: ENOSPC: no space left on device" })),
  size: Effect.fail(new CacheFailed({ level: "disk", detail: "read: EACCES" })),
  clear: Effect.void,
  prune: Effect.succeed(0),
  flush: Effect.void
}

describe("ResultCache", () => {
  it("keys a level by the SHA-256 of the format, version, kind and parts joined by NULs, as every earlier cache was keyed", () => {
    const text = [`sluice-cache/${CACHE_FORMAT}`, "9.9.9", "digest", "sha256", "kernel/1", "1:2:3:4:5"].join("\u0000")
    const expected = createHash("sha256").update(text).digest("hex").slice(0, 40)
    const k: CacheKey = { kind: "digest", parts: ["sha256", "kernel/1", "1:2:3:4:5"] }
    expect(levelKey("9.9.9", k)).toBe(expected)
    expect(make(options([])).levelId(k)).toBe(expected)
  })

  it("answers and stores by level key as by key (what a tree's lookup keeps for its store)", () => {
    const cache = make(options([makeMemoryLevel()]))
    Effect.runSync(cache.setManyIds([[cache.levelId(key(1)), "one"]]))
    expect(Effect.runSync(cache.getMany([key(1), key(2)]))).toEqual(["one", undefined])
    Effect.runSync(cache.setMany([{ key: key(2), value: "two" }]))
    expect(Effect.runSync(cache.getManyIds([cache.levelId(key(2))]))).toEqual(["two"])
  })

  it("answers from the first level that has the entry and teaches the faster ones", () => {
    const memory = makeMemoryLevel()
    const disk = makeMemoryLevel()
    const cache = make(options([memory, disk]))
    Effect.runSync(cache.set(key(1), "v1"))
    Effect.runSync(memory.clear)
    expect(Effect.runSync(cache.get(key(1)))).toBe("v1") // from the second level
    expect(Effect.runSync(memory.size).entries).toBe(1) // promoted
    const stats = Effect.runSync(cache.stats)
    expect(stats).toMatchObject({ lookups: 1, hits: 1 })
    expect(stats.levels.map((l) => [l.name, l.hits, l.misses])).toEqual([["memory", 0, 1], ["memory", 1, 0]])
  })

  it("a level that fails is dropped with its reason; lookups and writes go on without it", () => {
    const memory = makeMemoryLevel()
    const cache = make(options([memory, brokenLevel]))
    Effect.runSync(cache.set(key(1), "v1"))
    expect(Effect.runSync(cache.get(key(1)))).toBe("v1")
    expect(Effect.runSync(cache.get(key(2)))).toBeUndefined()
    const disk = Effect.runSync(cache.stats).levels[1]!
    expect(disk.degraded).toBe("write: ENOSPC: no space left on device")
  })

  it("looks many keys up in one pass, in order", () => {
    const cache = make(options([makeMemoryLevel(), makeMemoryLevel()]))
    Effect.runSync(cache.set(key(1), "one"))
    Effect.runSync(cache.set(key(3), "three"))
    expect(Effect.runSync(cache.getMany([key(1), key(2), key(3)]))).toEqual(["one", undefined, "three"])
    expect(Effect.runSync(cache.stats)).toMatchObject({ lookups: 3, hits: 2 })
  })

  it("stores keys hashed: no part of what identifies a result reaches a level", () => {
    const seen: Array<string> = []
    const memory = makeMemoryLevel()
    const recording: CacheLevel = { ...memory, set: (k, v) => Effect.andThen(Effect.sync(() => seen.push(k)), memory.set(k, v)) }
    const cache = make(options([recording]))
    Effect.runSync(cache.set({ kind: "digest", parts: ["sha256", "kernel/1", "/home/me/secret-name.txt"] }, "v"))
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatch(/^[0-9a-f]{40}$/)
  })

  it("another application version shares no entry", () => {
    const level = makeMemoryLevel()
    Effect.runSync(make(options([level])).set(key(1), "old"))
    const newer = make({ ...options([level]), appVersion: "10.0.0" })
    expect(Effect.runSync(newer.get(key(1)))).toBeUndefined()
  })
})
