/**
 * Checkpoints in IndexedDB: one database, one object store of `StoredCheckpoint`s keyed by
 * the job's key. Opened with the result cache's IndexedDB code (`indexedDb.ts`). Records a
 * web app wrote before checkpoints were a core service (without `format`) are never used,
 * and pruning removes them. Where IndexedDB is missing or refuses (some private modes, a
 * full disk), every call fails with `CheckpointFailed` and jobs run without resuming.
 */
import { Effect } from "effect"
import { CheckpointFailed, type CheckpointLevel, isStoredCheckpoint } from "../engine/checkpoints/CheckpointLevel.js"
import {
  failureDetail,
  type IdbFactoryLike,
  type IdbTransaction,
  makeConnection,
  pageIndexedDb,
  resultOf,
  transact,
  Unavailable
} from "./indexedDb.js"

export const DEFAULT_CHECKPOINT_DATABASE = "sluice-checkpoints"
const STORE = "checkpoints"
const VERSION = 1

export interface IndexedDbCheckpointLevelOptions {
  readonly database?: string
  /** Defaults to the page's `indexedDB`; given as undefined, the level has none (as some browsers). */
  readonly factory?: IdbFactoryLike | undefined
}

const failure = (action: string) => (error: unknown) =>
  new CheckpointFailed({ level: "indexedDB", detail: failureDetail(action, error) })

export const makeIndexedDbCheckpointLevel = (options: IndexedDbCheckpointLevelOptions = {}): CheckpointLevel => {
  const connect = makeConnection({
    factory: "factory" in options ? options.factory : pageIndexedDb(),
    name: options.database ?? DEFAULT_CHECKPOINT_DATABASE,
    version: VERSION,
    upgrade: (db) => {
      if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: "key" })
    },
    blocked: "IndexedDB is blocked: another tab keeps an older version of the checkpoints open"
  })
  const run = <T>(action: string, mode: "readonly" | "readwrite", use: (tx: IdbTransaction) => () => T) =>
    Effect.tryPromise({ try: async () => transact(await connect(), STORE, mode, use), catch: failure(action) })
  const all = (tx: IdbTransaction) => resultOf(tx.objectStore(STORE).getAll())
  return {
    name: "indexedDB",
    get: (key) => run("read", "readonly", (tx) => resultOf(tx.objectStore(STORE).get(key))),
    put: (record) =>
      run("write", "readwrite", (tx) => {
        tx.objectStore(STORE).put(record)
        return () => undefined
      }),
    remove: (keys) =>
      run("remove", "readwrite", (tx) => {
        const store = tx.objectStore(STORE)
        for (const key of keys) store.delete(key)
        return () => undefined
      }),
    list: Effect.map(run("list", "readonly", all), (records) =>
      records.flatMap((record) => {
        const key = (record as { key?: unknown } | undefined)?.key
        return typeof key === "string" ? [{ key, record }] : []
      })),
    pruneBefore: (before) =>
      run("prune", "readwrite", (tx) => {
        const store = tx.objectStore(STORE)
        const records = store.getAll()
        let removed = 0
        records.onsuccess = () => {
          for (const record of records.result) {
            if (isStoredCheckpoint(record) && record.savedAt >= before) continue
            const key = (record as { key?: unknown } | undefined)?.key
            if (typeof key !== "string") continue
            store.delete(key)
            removed++
          }
        }
        return () => removed
      })
  }
}
