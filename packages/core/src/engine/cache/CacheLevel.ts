import { Data, type Effect } from "effect"

/**
 * A level failed to read or write (a corrupt, read-only or full directory, IndexedDB
 * refused or over quota). Never fatal: the cache stops using the level and says why.
 */
export class CacheFailed extends Data.TaggedError("CacheFailed")<{
  readonly level: string
  readonly detail: string
}> {
  override get message() {
    return `the ${this.level} cache failed: ${this.detail}`
  }
}

/** What a level holds. */
export interface LevelSize {
  readonly entries: number
  readonly bytes: number
}

/** Limits a level keeps to: least recently used entries go first. */
export interface LevelLimits {
  readonly maxEntries: number
  readonly maxBytes: number
}

/**
 * One level of the result cache: memory, a directory on disk, IndexedDB. Keys are opaque
 * fixed-length strings (hashes of what identifies a result), values short strings.
 */
export interface CacheLevel {
  readonly name: string
  readonly get: (key: string) => Effect.Effect<string | undefined, CacheFailed>
  /** Many lookups at once (one transaction, one pass); `get` for each when absent. */
  readonly getMany?: (keys: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<string | undefined>, CacheFailed>
  readonly set: (key: string, value: string) => Effect.Effect<void, CacheFailed>
  /** Many writes at once (one Effect for a tree's results); `set` for each when absent. */
  readonly setMany?: (entries: ReadonlyArray<readonly [key: string, value: string]>) => Effect.Effect<void, CacheFailed>
  readonly size: Effect.Effect<LevelSize, CacheFailed>
  readonly clear: Effect.Effect<void, CacheFailed>
  /** Drops entries of other versions and the least recently used past the limits; returns how many went. */
  readonly prune: Effect.Effect<number, CacheFailed>
  /** Writes what is buffered; levels that write through have nothing to do. */
  readonly flush: Effect.Effect<void, CacheFailed>
}
