/**
 * What the IndexedDB levels share (the result cache's and the checkpoints'): the API read
 * structurally (the core compiles without the DOM library), opening a database with its
 * upgrade, reconnecting after another tab's upgrade, and saying why it would not open.
 */

export interface DomErrorLike {
  readonly name: string
  readonly message: string
}

export interface IdbRequest<T> {
  readonly result: T
  readonly error: DomErrorLike | null
  onsuccess: (() => void) | null
  onerror: (() => void) | null
}

export interface IdbOpenRequest extends IdbRequest<IdbDatabase> {
  onupgradeneeded: (() => void) | null
  onblocked: (() => void) | null
}

export interface IdbIndex {
  getAllKeys(query?: unknown, count?: number): IdbRequest<Array<string>>
}

export interface IdbObjectStore {
  get(key: string): IdbRequest<unknown>
  put(value: unknown): IdbRequest<unknown>
  delete(key: string): IdbRequest<unknown>
  clear(): IdbRequest<unknown>
  count(): IdbRequest<number>
  getAll(query?: unknown, count?: number): IdbRequest<Array<unknown>>
  index(name: string): IdbIndex
  createIndex(name: string, keyPath: string): IdbIndex
}

export interface IdbTransaction {
  readonly error: DomErrorLike | null
  objectStore(name: string): IdbObjectStore
  oncomplete: (() => void) | null
  onabort: (() => void) | null
  abort(): void
}

export interface IdbDatabase {
  readonly objectStoreNames: { contains(name: string): boolean }
  createObjectStore(name: string, options: { keyPath: string }): IdbObjectStore
  deleteObjectStore(name: string): void
  transaction(stores: string | Array<string>, mode: "readonly" | "readwrite", options?: { durability: string }): IdbTransaction
  close(): void
  onversionchange: (() => void) | null
}

export interface IdbFactoryLike {
  open(name: string, version: number): IdbOpenRequest
}

export interface KeyRangeStatics {
  lowerBound(lower: unknown, open?: boolean): unknown
  upperBound(upper: unknown, open?: boolean): unknown
}

/** The page's `indexedDB`, if it has one. */
export const pageIndexedDb = (): IdbFactoryLike | undefined => (globalThis as { readonly indexedDB?: IdbFactoryLike }).indexedDB

/** A DOMException as `Name: message`; our own errors by their message alone. */
export const describeError = (error: unknown): string =>
  error === null || error === undefined
    ? "no reason given"
    : typeof error === "object" && "name" in error && "message" in error
    ? error.name === "Error" ? String(error.message) : `${String(error.name)}: ${String(error.message)}`
    : String(error)

export const isQuota = (error: unknown) =>
  typeof error === "object" && error !== null && "name" in error && error.name === "QuotaExceededError"

/** IndexedDB would not open at all: whatever was asked of a level, this is the reason. */
export class Unavailable extends Error {}

/** Why `action` failed, in words for a person: the unavailability, a full quota, or the browser's error. */
export const failureDetail = (action: string, error: unknown): string =>
  error instanceof Unavailable
    ? error.message
    : isQuota(error)
    ? `${action}: the browser's storage quota for this site is used up (${describeError(error)})`
    : `${action}: ${describeError(error)}`

export interface DatabaseOptions {
  readonly factory: IdbFactoryLike | undefined
  readonly name: string
  readonly version: number
  /** Creates (or replaces) the object stores; runs in the upgrade transaction. */
  readonly upgrade: (db: IdbDatabase) => void
  /** What to say when another tab blocks the upgrade. */
  readonly blocked: string
}

/**
 * The connection to a database, opened on first use and kept; a failed open is forgotten
 * (the next call tries again) and rejects with `Unavailable`. When a newer version in
 * another tab wants to upgrade, the connection is closed and reopened when next asked.
 */
export const makeConnection = (options: DatabaseOptions): () => Promise<IdbDatabase> => {
  let database: Promise<IdbDatabase> | undefined
  return () =>
    database ??= new Promise<IdbDatabase>((resolve, reject) => {
      if (options.factory === undefined) throw new Unavailable("this browser has no IndexedDB")
      let request: IdbOpenRequest
      try {
        request = options.factory.open(options.name, options.version)
      } catch (error) {
        // Firefox's private windows (before 115) and sandboxed frames refuse at once.
        throw new Unavailable(`IndexedDB refused to open (${describeError(error)})`)
      }
      request.onupgradeneeded = () => options.upgrade(request.result)
      request.onblocked = () => reject(new Unavailable(options.blocked))
      request.onsuccess = () => {
        const db = request.result
        db.onversionchange = () => {
          db.close()
          database = undefined
        }
        resolve(db)
      }
      request.onerror = () => reject(new Unavailable(`IndexedDB could not be opened (${describeError(request.error)})`))
    }).catch((error: unknown) => {
      database = undefined
      throw error
    })
}

/** Runs `use` in one transaction and settles with its result when the transaction commits. */
export const transact = async <T>(
  db: IdbDatabase,
  stores: string | Array<string>,
  mode: "readonly" | "readwrite",
  use: (tx: IdbTransaction) => () => T
): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    // A lost entry costs some work again; a durable commit costs a disk flush per transaction.
    const tx = db.transaction(stores, mode, { durability: "relaxed" })
    let result: () => T
    try {
      result = use(tx)
    } catch (error) {
      try {
        tx.abort()
      } catch {
        // Already finished.
      }
      reject(error)
      return
    }
    tx.oncomplete = () => resolve(result())
    tx.onabort = () => reject(tx.error ?? new Error("the transaction was aborted"))
  })

/** The result of a request, to read once its transaction has committed. */
export const resultOf = <T>(req: IdbRequest<T>) => {
  let value: T | undefined
  req.onsuccess = () => value = req.result
  return () => value as T
}
