/** The result cache's part of the test page: scenarios on IndexedDB that report plain data to the Node test. */
import { Effect, Layer, ManagedRuntime, Stream } from "effect"
import type { CacheFailed, CacheLevel } from "../../engine/cache/CacheLevel.js"
import type { CacheStats } from "../../engine/cache/ResultCache.js"
import { ResultCache } from "../../engine/cache/ResultCache.js"
import { hashTasks } from "../../hash/hashFiles.js"
import type * as WorkerPool from "../../engine/pool/WorkerPool.js"
import * as Sluice from "../browser.js"
import type { IdbFactoryLike } from "../indexedDbCacheLevel.js"
import { patternBytes } from "./pattern.js"

const DAY = 24 * 60 * 60 * 1000

const run = <A>(effect: Effect.Effect<A, CacheFailed>) => Effect.runPromise(effect)

/** A failure's detail, or the value. */
const settle = <A>(effect: Effect.Effect<A, CacheFailed>) =>
  Effect.runPromise(Effect.match(effect, {
    onFailure: (failure) => ({ failed: `${failure._tag}: ${failure.detail}` }),
    onSuccess: (value) => ({ value })
  }))

/** The page's IndexedDB, typed as much as these scenarios use (the core compiles without the DOM library). */
interface RequestLike {
  result: { close(): void }
  error: unknown
  onsuccess: (() => void) | null
  onerror: (() => void) | null
  onblocked?: (() => void) | null
}
const page = globalThis as unknown as {
  readonly indexedDB: IdbFactoryLike & { open(name: string, version: number): RequestLike }
  readonly IDBDatabase: { readonly prototype: { transaction: (...args: Array<unknown>) => unknown } }
}

/** Counts the transactions the page opens, by mode, from now on. */
const countTransactions = () => {
  const counts = { readonly: 0, readwrite: 0 }
  const prototype = page.IDBDatabase.prototype
  const original = prototype.transaction
  prototype.transaction = function(this: unknown, ...args: Array<unknown>) {
    counts[args[1] === "readwrite" ? "readwrite" : "readonly"]++
    return original.apply(this, args)
  }
  return { counts, restore: () => void (prototype.transaction = original) }
}

const getAll = async (level: CacheLevel, keys: ReadonlyArray<string>) => {
  const found: Record<string, string | null> = {}
  for (const key of keys) found[key] = (await run(level.get(key))) ?? null
  return found
}

/** An `open` whose request ends with `event` ("error" or "blocked") on the next task. */
const failingOpen = (event: "error" | "blocked", error?: DOMException): IdbFactoryLike => ({
  open: () => {
    const request = { error: error ?? null, onerror: null, onblocked: null } as unknown as RequestLike
    setTimeout(() => event === "error" ? request.onerror?.() : request.onblocked?.())
    return request as never
  }
})

const smallFiles = (count: number, seed: number) =>
  Array.from({ length: count }, (_, i) =>
    new Sluice.BlobSource({
      name: `tree/${i}.txt`,
      blob: new File([patternBytes(64 + (i % 200), seed + i)], `${i}.txt`, { lastModified: 1_700_000_000_000 })
    }))

type CacheRuntime = ManagedRuntime.ManagedRuntime<WorkerPool.WorkerPool | ResultCache, never>

/**
 * The inline pool with the browser's cache layer and scheduler, as the web app composes them,
 * but for the cache taking files of any size: these scenarios are about the levels, with
 * thousands of small Files (the app's cache takes them from `CACHE_FROM_BYTES`).
 */
const cacheRuntime = (options: Sluice.CacheLayerOptions): CacheRuntime =>
  ManagedRuntime.make(Layer.mergeAll(Sluice.layerInline, Sluice.cacheLayer({ cacheFromBytes: 0, ...options }), Sluice.layerScheduler))

/** One SHA-256 job of `sources`: how long it took, which were cached, and the cache's stats after it. */
const hashJob = (runtime: CacheRuntime, sources: ReadonlyArray<Sluice.BlobSource>) =>
  runtime.runPromise(Effect.gen(function*() {
    const started = performance.now()
    const events = yield* Stream.runCollect(hashTasks(sources.map((source) => ({ source, options: { algorithms: ["sha256"] } }))))
    const ms = performance.now() - started
    const cache = yield* ResultCache
    yield* cache.flush
    const stats: CacheStats = yield* cache.stats
    const digests: Array<string> = []
    let cached = 0
    for (const event of events) {
      if (event._tag === "FileHashed") {
        digests[event.index] = event.digests.sha256!
        if (event.cached === true) cached++
      }
    }
    return { ms, cached, digests, stats }
  }))

const sameDigests = (a: ReadonlyArray<string>, b: ReadonlyArray<string>, count: number) =>
  a.length === count && a.every((digest, i) => digest === b[i])

export const cacheApi = {
  /** Values written, flushed, then read by a new connection (a reload); other versions see nothing. */
  idbRoundTrip: async (database: string) => {
    const writer = Sluice.makeIndexedDbLevel({ tag: "v1", database })
    await run(writer.set("k1", "one"))
    await run(writer.set("k2", "two"))
    const fromBuffer = await run(writer.get("k1"))
    await run(writer.flush)
    const reader = Sluice.makeIndexedDbLevel({ tag: "v1", database })
    const other = Sluice.makeIndexedDbLevel({ tag: "v2", database })
    return {
      fromBuffer: fromBuffer ?? null,
      read: await getAll(reader, ["k1", "k2", "k3"]),
      size: await run(reader.size),
      otherVersion: await getAll(other, ["k1"])
    }
  },

  /** `count` writes one after the other, as a job stores its results, then a flush: how many transactions. */
  idbBatching: async (database: string, count: number) => {
    const level = Sluice.makeIndexedDbLevel({ tag: "v1", database })
    await run(level.get("warm-up"))
    const transactions = countTransactions()
    const started = performance.now()
    try {
      for (let i = 0; i < count; i++) await run(level.set(`key-${i}`, `value-${i}`))
      await run(level.flush)
      const ms = performance.now() - started
      return { ...transactions.counts, ms, size: await run(level.size) }
    } finally {
      transactions.restore()
    }
  },

  /**
   * Another version's records and the least recently used beyond the limits go, by
   * themselves on the first flush once a day, and on request.
   */
  idbPrune: async (database: string) => {
    let clock = 100 * DAY
    const now = () => clock
    const old = Sluice.makeIndexedDbLevel({ tag: "old", database, now })
    await run(old.set("o1", "x"))
    await run(old.set("o2", "x"))
    await run(old.flush)

    clock += 1000
    const limits = { maxEntries: 3, maxBytes: 1 << 30 }
    const level = Sluice.makeIndexedDbLevel({ tag: "new", database, now, limits })
    for (const key of ["k1", "k2", "k3", "k4", "k5"]) {
      clock += 1000
      await run(level.set(key, "x"))
    }
    // Within a day of the last prune: nothing goes.
    await run(level.flush)
    const beforeDue = await run(level.size)
    // Two days later, a new page reads k1: touched, it is no longer the least recently used,
    // and its first flush prunes.
    clock += 2 * DAY
    const later = Sluice.makeIndexedDbLevel({ tag: "new", database, now, limits })
    const read = await run(later.get("k1"))
    await run(later.flush)
    const afterAuto = await getAll(Sluice.makeIndexedDbLevel({ tag: "new", database, now, limits }), ["k1", "k2", "k3", "k4", "k5"])
    const oldAfter = await getAll(Sluice.makeIndexedDbLevel({ tag: "old", database, now }), ["o1", "o2"])

    clock += 1000
    await run(later.set("k6", "x"))
    const removed = await run(later.prune)
    const afterPrune = await getAll(later, ["k1", "k4", "k5", "k6"])

    // By bytes: records of one size, a limit of three of them.
    const bytesDb = `${database}-bytes`
    const recordBytes = 2 * ("b0".length + "x".length + "new".length) + 8
    const byBytes = Sluice.makeIndexedDbLevel({ tag: "new", database: bytesDb, now, limits: { maxEntries: 1000, maxBytes: 3 * recordBytes } })
    for (let i = 0; i < 6; i++) {
      clock += 1000
      await run(byBytes.set(`b${i}`, "x"))
    }
    const removedByBytes = await run(byBytes.prune)
    return {
      beforeDue: beforeDue.entries,
      read: read ?? null,
      afterAuto,
      oldAfter,
      removed,
      afterPrune,
      removedByBytes,
      sizeByBytes: await run(byBytes.size),
      keptByBytes: await getAll(byBytes, ["b0", "b1", "b2", "b3", "b4", "b5"])
    }
  },

  /** Thousands to prune, more than a page: how many went, in how many transactions, and which stayed. */
  idbPruneMany: async (database: string) => {
    let clock = 100 * DAY
    const now = () => clock
    const old = Sluice.makeIndexedDbLevel({ tag: "old", database, now })
    for (let i = 0; i < 5000; i++) await run(old.set(`o${i}`, "x"))
    await run(old.flush)
    const level = Sluice.makeIndexedDbLevel({ tag: "new", database, now, limits: { maxEntries: 1000, maxBytes: 1 << 30 } })
    for (let i = 0; i < 3000; i++) {
      clock += 1000
      await run(level.set(`n${String(i).padStart(4, "0")}`, "x"))
    }
    // Written, not pruned: within a day of the old level's prune.
    await run(level.flush)
    const transactions = countTransactions()
    try {
      const removed = await run(level.prune)
      return {
        removed,
        ...transactions.counts,
        size: await run(level.size),
        kept: await getAll(level, ["n1999", "n2000", "n2999", "o0", "o4999"])
      }
    } finally {
      transactions.restore()
    }
  },

  /** Clear empties the store, buffered writes included. */
  idbClear: async (database: string) => {
    const level = Sluice.makeIndexedDbLevel({ tag: "v1", database })
    await run(level.set("a", "1"))
    await run(level.flush)
    await run(level.set("b", "2"))
    await run(level.clear)
    await run(level.flush)
    return { size: await run(level.size), read: await getAll(Sluice.makeIndexedDbLevel({ tag: "v1", database }), ["a", "b"]) }
  },

  /** Every way IndexedDB refuses, as the level reports it; once failed, the level stays failed. */
  idbFailures: async () => {
    const refusing: IdbFactoryLike = {
      open: () => {
        throw new DOMException("A mutation operation was attempted on a database that did not allow mutations.", "InvalidStateError")
      }
    }
    // A real refusal: the database exists in a newer version than the level asks for.
    await new Promise<void>((resolve, reject) => {
      const request = page.indexedDB.open("sluice-newer", 5)
      request.onsuccess = () => {
        request.result.close()
        resolve()
      }
      request.onerror = () => reject(request.error)
    })
    const cases = {
      missing: Sluice.makeIndexedDbLevel({ tag: "v1", factory: undefined }),
      refused: Sluice.makeIndexedDbLevel({ tag: "v1", factory: refusing }),
      openError: Sluice.makeIndexedDbLevel({ tag: "v1", factory: failingOpen("error", new DOMException("Internal error.", "UnknownError")) }),
      blocked: Sluice.makeIndexedDbLevel({ tag: "v1", factory: failingOpen("blocked") }),
      newer: Sluice.makeIndexedDbLevel({ tag: "v1", database: "sluice-newer" })
    }
    const report: Record<string, unknown> = {}
    for (const [name, level] of Object.entries(cases)) {
      const first = await settle(level.get("k"))
      const again = await settle(level.set("k", "v"))
      report[name] = { first, again }
    }
    return report
  },

  /** Writes into a store the browser gives no room: the quota error, as the level reports it. */
  idbQuota: async (database: string) => {
    const level = Sluice.makeIndexedDbLevel({ tag: "v1", database })
    for (let i = 0; i < 600; i++) {
      const set = await settle(level.set(`key-${i}`, "x".repeat(2000)))
      if ("failed" in set) return set
    }
    return settle(level.flush)
  },

  /**
   * `count` small Files hashed twice with the browser's cache layer, each time on a new
   * runtime (memory starts empty, as after a reload): the second job is answered from IndexedDB.
   */
  cachedJob: async (database: string, count: number) => {
    const sources = smallFiles(count, 11)
    const jobOnNewRuntime = async () => {
      const runtime = cacheRuntime({ database })
      try {
        return await hashJob(runtime, sources)
      } finally {
        await runtime.dispose()
      }
    }
    const first = await jobOnNewRuntime()
    const transactions = countTransactions()
    const second = await jobOnNewRuntime().finally(transactions.restore)
    return {
      first: { ms: first.ms, cached: first.cached, stats: first.stats },
      second: { ms: second.ms, cached: second.cached, stats: second.stats, transactions: transactions.counts },
      sameDigests: sameDigests(first.digests, second.digests, count),
      lastDigest: second.digests[count - 1] ?? null
    }
  },

  /** The same twice on one runtime where IndexedDB refuses to open: memory answers, the stats say why. */
  degradedJob: async (count: number) => {
    const sources = smallFiles(count, 23)
    const runtime = cacheRuntime({
      factory: {
        open: () => {
          throw new DOMException("The user denied permission to access the database.", "SecurityError")
        }
      }
    })
    try {
      const first = await hashJob(runtime, sources)
      const second = await hashJob(runtime, sources)
      return {
        first: { cached: first.cached, stats: first.stats },
        second: { cached: second.cached, stats: second.stats },
        sameDigests: sameDigests(first.digests, second.digests, count)
      }
    } finally {
      await runtime.dispose()
    }
  }
}


