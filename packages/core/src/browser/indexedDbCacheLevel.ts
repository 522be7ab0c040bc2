/**
 * The L2 level of a web page: IndexedDB, through its raw API. One object store of records
 * `{ key, value, t, tag }` (`t` the last use, `tag` the version that wrote it), indexed on
 * `t` and `tag` so that pruning finds other versions and the least recently used without
 * reading every record. A job's lookups go in one read transaction; writes are buffered
 * and put in one transaction per batch, so a folder of 10,000 files costs a few dozen
 * transactions, not 10,000. Any refusal (no
 * IndexedDB, a private mode that will not open it, a quota, another tab blocking an
 * upgrade) is a `CacheFailed` that says which; the level stays failed afterwards.
 */
import { Effect } from "effect"
import { CacheFailed, type CacheLevel, type LevelLimits, type LevelSize } from "../engine/cache/CacheLevel.js"
import {
  failureDetail,
  type IdbFactoryLike,
  type IdbTransaction,
  type KeyRangeStatics,
  makeConnection,
  pageIndexedDb,
  resultOf,
  transact as transactIn,
  Unavailable
} from "./indexedDb.js"

export type { IdbFactoryLike } from "./indexedDb.js"

export const DEFAULT_INDEXED_DB_LIMITS: LevelLimits = { maxEntries: 200_000, maxBytes: 64 * 1024 * 1024 }

export const DEFAULT_DATABASE = "sluice-cache"
const VERSION = 1
const RESULTS = "results"
const META = "meta"

/** Records more than this old are rewritten when read, so pruning knows what is still used. */
const TOUCH_AFTER_MS = 24 * 60 * 60 * 1000
/** Pruning runs by itself at most this often, after a flush. */
const PRUNE_EVERY_MS = 24 * 60 * 60 * 1000
/** Buffered writes wait at most this long, or until there are this many. */
const FLUSH_AFTER_MS = 250
const FLUSH_AT = 500
/** Records read per request when sizing the store, and deleted per transaction when pruning. */
const PAGE = 2000

// --- Records ---------------------------------------------------------------------------

interface ResultRecord {
  readonly key: string
  readonly value: string
  readonly t: number
  readonly tag: string
}

const isRecord = (value: unknown): value is ResultRecord => {
  const r = value as Partial<ResultRecord> | undefined
  return typeof r?.key === "string" && typeof r.value === "string" && typeof r.t === "number" && typeof r.tag === "string"
}

/** What a record weighs, counted as MemoryLevel counts strings (two bytes a character), plus its time. */
const recordBytes = (r: ResultRecord) => 2 * (r.key.length + r.value.length + r.tag.length) + 8

// --- Failures --------------------------------------------------------------------------

const failure = (action: string, error: unknown) => new CacheFailed({ level: "indexedDB", detail: failureDetail(action, error) })

export interface IndexedDbLevelOptions {
  /** Written into each record; prune drops records of other versions. */
  readonly tag: string
  readonly database?: string
  readonly limits?: LevelLimits
  readonly now?: () => number
  /** Defaults to the page's `indexedDB`; given as undefined, the level has none (as some browsers). */
  readonly factory?: IdbFactoryLike | undefined
}

export const makeIndexedDbLevel = (options: IndexedDbLevelOptions): CacheLevel => {
  const name = options.database ?? DEFAULT_DATABASE
  const limits = options.limits ?? DEFAULT_INDEXED_DB_LIMITS
  const now = options.now ?? Date.now
  const factory = "factory" in options ? options.factory : pageIndexedDb()
  const KeyRange = (globalThis as { readonly IDBKeyRange?: KeyRangeStatics }).IDBKeyRange

  /** Once failed, always failed: the cache has dropped the level by then, and a retry would only slow a job. */
  let failed: CacheFailed | undefined
  /** Records to put, newest per key; `writing` is the batch on its way, still readable. */
  let pending = new Map<string, ResultRecord>()
  let writing = new Map<string, ResultRecord>()
  let timer: ReturnType<typeof setTimeout> | undefined
  let flushing: Promise<void> | undefined
  let pruneChecked = false

  const connect = makeConnection({
    factory,
    name,
    version: VERSION,
    upgrade: (db) => {
      if (!db.objectStoreNames.contains(RESULTS)) {
        const store = db.createObjectStore(RESULTS, { keyPath: "key" })
        store.createIndex("t", "t")
        store.createIndex("tag", "tag")
      }
      if (!db.objectStoreNames.contains(META)) db.createObjectStore(META, { keyPath: "name" })
    },
    blocked: "IndexedDB is blocked: another tab keeps an older version of the cache open"
  })

  /** Runs `use` in one transaction and settles with its result when the transaction commits. */
  const transact = async <T>(
    stores: string | Array<string>,
    mode: "readonly" | "readwrite",
    use: (tx: IdbTransaction) => () => T
  ): Promise<T> => transactIn(await connect(), stores, mode, use)

  /** Runs `action` unless the level failed; a failure now is kept for every later call. */
  const guarded = <A>(action: string, run: () => Promise<A>): Effect.Effect<A, CacheFailed> =>
    Effect.suspend(() =>
      failed !== undefined ? Effect.fail(failed) : Effect.tryPromise({
        try: run,
        catch: (error) => (failed = failure(action, error))
      })
    )

  const writeBatch = async (): Promise<void> => {
    if (timer !== undefined) {
      clearTimeout(timer)
      timer = undefined
    }
    if (pending.size === 0) return
    writing = pending
    pending = new Map()
    const batch = writing
    try {
      await transact(RESULTS, "readwrite", (tx) => {
        const store = tx.objectStore(RESULTS)
        for (const record of batch.values()) store.put(record)
        return () => undefined
      })
    } finally {
      if (writing === batch) writing = new Map()
    }
  }

  /** One write at a time; what arrives meanwhile goes in the next batch. */
  const flushNow = (): Promise<void> => {
    const next = (flushing ?? Promise.resolve()).then(writeBatch)
    // `flushing` never rejects: the caller of this flush hears of its failure, nobody else.
    const settled: Promise<void> = next.then(() => {}, () => {}).finally(() => {
      if (flushing === settled) flushing = undefined
    })
    flushing = settled
    return next
  }

  const schedule = () => {
    if (pending.size >= FLUSH_AT) return flushNow()
    // A timer's failure is kept: the next call on the level reports it.
    timer ??= setTimeout(() => {
      timer = undefined
      flushNow().catch((error: unknown) => void (failed ??= failure("write", error)))
    }, FLUSH_AFTER_MS)
    return Promise.resolve()
  }

  const put = (record: ResultRecord) => {
    pending.set(record.key, record)
    return schedule()
  }

  /** Every record's size, a page of records per request: no long task however large the store. */
  const measure = async (): Promise<LevelSize> => {
    let entries = 0
    let bytes = 0
    let after: string | undefined
    for (;;) {
      const range = after === undefined || KeyRange === undefined ? null : KeyRange.lowerBound(after, true)
      const page = await transact(RESULTS, "readonly", (tx) => resultOf(tx.objectStore(RESULTS).getAll(range, PAGE)))
      for (const record of page) {
        if (!isRecord(record)) continue
        entries++
        bytes += recordBytes(record)
        after = record.key
      }
      if (page.length < PAGE || KeyRange === undefined) return { entries, bytes }
    }
  }

  /**
   * Deletes up to `count` records that `index` lists first within `query`, a page per
   * transaction (the keys are read and deleted in the same one); returns how many went.
   */
  const deleteFirst = async (index: string, query: unknown, count: number): Promise<number> => {
    let removed = 0
    while (removed < count) {
      const want = Math.min(PAGE, count - removed)
      const deleted = await transact(RESULTS, "readwrite", (tx) => {
        const store = tx.objectStore(RESULTS)
        const keys = store.index(index).getAllKeys(query, want)
        let n = 0
        keys.onsuccess = () => {
          for (const key of keys.result) store.delete(key)
          n = keys.result.length
        }
        return () => n
      })
      removed += deleted
      if (deleted < want) break
    }
    return removed
  }

  const prune = async (): Promise<number> => {
    await flushNow()
    // Other versions: every tag before this one and after it, by the tag index.
    const others = KeyRange === undefined ? 0 : (
      await deleteFirst("tag", KeyRange.upperBound(options.tag, true), Infinity) +
      await deleteFirst("tag", KeyRange.lowerBound(options.tag, true), Infinity)
    )
    // Then the least recently used, oldest first by the time index, until both limits hold.
    const size = await measure()
    const average = size.entries === 0 ? 1 : size.bytes / size.entries
    const excess = Math.max(
      size.entries - limits.maxEntries,
      size.bytes > limits.maxBytes ? Math.ceil((size.bytes - limits.maxBytes) / average) : 0
    )
    const oldest = excess > 0 ? await deleteFirst("t", null, excess) : 0
    await transact(META, "readwrite", (tx) => {
      tx.objectStore(META).put({ name: "pruned", t: now() })
      return () => undefined
    })
    return others + oldest
  }

  /** Every key in one read transaction; buffered writes answer first. Old records read are touched. */
  const getMany = async (keys: ReadonlyArray<string>): Promise<Array<string | undefined>> => {
    const found = keys.map((key) => (pending.get(key) ?? writing.get(key))?.value)
    const unread = found.flatMap((value, i) => value === undefined ? [i] : [])
    if (unread.length === 0) return found
    const records = await transact(RESULTS, "readonly", (tx) => {
      const store = tx.objectStore(RESULTS)
      const reads = unread.map((i) => resultOf(store.get(keys[i]!)))
      return () => reads.map((read) => read())
    })
    const t = now()
    let touched = false
    unread.forEach((i, j) => {
      const record = records[j]
      if (!isRecord(record) || record.tag !== options.tag) return
      found[i] = record.value
      if (t - record.t > TOUCH_AFTER_MS) {
        pending.set(record.key, { ...record, t })
        touched = true
      }
    })
    if (touched) await schedule()
    return found
  }

  /** Prunes by itself when the last prune is older than a day; asked once per page, after the first flush. */
  const pruneIfDue = async () => {
    if (pruneChecked) return
    pruneChecked = true
    const last = await transact(META, "readonly", (tx) => resultOf(tx.objectStore(META).get("pruned")))
    const t = (last as { t?: unknown } | undefined)?.t
    if (typeof t !== "number" || now() - t >= PRUNE_EVERY_MS) await prune()
  }

  return {
    name: "indexedDB",
    get: (key) => guarded("read", async () => (await getMany([key]))[0]),
    getMany: (keys) => guarded("read", () => getMany(keys)),
    set: (key, value) => guarded("write", () => put({ key, value, t: now(), tag: options.tag })),
    size: guarded("read", async () => {
      await flushNow()
      return measure()
    }),
    clear: guarded("clear", async () => {
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
      pending = new Map()
      await flushing
      await transact(RESULTS, "readwrite", (tx) => {
        tx.objectStore(RESULTS).clear()
        return () => undefined
      })
    }),
    prune: guarded("prune", prune),
    flush: guarded("write", async () => {
      await flushNow()
      await pruneIfDue()
    })
  }
}
