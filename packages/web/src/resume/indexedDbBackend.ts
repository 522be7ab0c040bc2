/**
 * `CheckpointBackend` over IndexedDB, with the raw API: one database, one object store keyed
 * by the checkpoint's `key`. Where IndexedDB is missing or refuses (some private modes, a
 * full disk), every call rejects and the app hashes without resuming.
 */
import type { CheckpointBackend, StoredCheckpoint } from "./Checkpoints.js"

const DATABASE = "sluice-checkpoints"
const STORE = "checkpoints"
const VERSION = 1

export const indexedDbBackend = (factory: IDBFactory | undefined = globalThis.indexedDB): CheckpointBackend => {
  let database: Promise<IDBDatabase> | undefined

  const connect = (): Promise<IDBDatabase> =>
    database ??= new Promise<IDBDatabase>((resolve, reject) => {
      if (factory === undefined) throw new Error("IndexedDB is not available")
      const request = factory.open(DATABASE, VERSION)
      request.onupgradeneeded = () => {
        if (!request.result.objectStoreNames.contains(STORE)) request.result.createObjectStore(STORE, { keyPath: "key" })
      }
      request.onsuccess = () => {
        const db = request.result
        // Another tab with a newer version of the app wants to upgrade: let it, and reconnect later.
        db.onversionchange = () => {
          db.close()
          database = undefined
        }
        resolve(db)
      }
      request.onerror = () => reject(request.error)
    })

  /** Runs `use` in one transaction; settles when the transaction commits. */
  const transact = async <T>(
    mode: IDBTransactionMode,
    use: (store: IDBObjectStore) => IDBRequest<T> | undefined
  ): Promise<T | undefined> => {
    const db = await connect()
    return new Promise((resolve, reject) => {
      // A lost checkpoint costs a little rehashing; a durable commit costs a disk flush per save.
      const transaction = db.transaction(STORE, mode, { durability: "relaxed" })
      const request = use(transaction.objectStore(STORE))
      transaction.oncomplete = () => resolve(request?.result)
      transaction.onabort = () => reject(transaction.error ?? new Error("IndexedDB transaction aborted"))
    })
  }

  return {
    list: async () => ((await transact("readonly", (store) => store.getAll())) ?? []) as Array<StoredCheckpoint>,
    put: async (checkpoint) => {
      await transact("readwrite", (store) => store.put(checkpoint))
    },
    remove: async (keys) => {
      await transact("readwrite", (store) => {
        for (const key of keys) store.delete(key)
        return undefined
      })
    }
  }
}
