/**
 * Where checkpoints are kept: a directory (`node/diskCheckpointLevel.ts`), IndexedDB
 * (`browser/indexedDbCheckpointLevel.ts`), memory for tests (`MemoryCheckpointLevel.ts`).
 * A level stores plain JSON-safe records under a key; what they mean is `Checkpoints`'s.
 */
import { Data, type Effect } from "effect"

/** The format of a stored record; records of any other format are ignored and pruned. */
export const CHECKPOINT_FORMAT = 2

/** One kept checkpoint, as a level stores it (plain JSON: structured-clone and JSON safe). */
export interface StoredCheckpoint {
  /** The job's key: its canonical JSON. */
  readonly key: string
  readonly format: number
  /** What the job is (what it reads and how), as given. */
  readonly job: unknown
  /** The content identity of the job's input when the record was written. */
  readonly identity: string
  readonly kind: string
  readonly version: number
  /** `Date.now()` of the write. */
  readonly savedAt: number
  /** The record, encoded by its kind's schema. */
  readonly state: unknown
}

/** A level failed (a read-only or full directory, IndexedDB refused or over quota). */
export class CheckpointFailed extends Data.TaggedError("CheckpointFailed")<{
  readonly level: string
  readonly detail: string
}> {
  override get message() {
    return `the ${this.level} checkpoint store failed: ${this.detail}`
  }
}

export interface CheckpointLevel {
  readonly name: string
  /** The record under `key`; undefined when there is none or it cannot be read. */
  readonly get: (key: string) => Effect.Effect<unknown, CheckpointFailed>
  /** Replaces the record under `record.key`, whole or not at all. */
  readonly put: (record: StoredCheckpoint) => Effect.Effect<void, CheckpointFailed>
  readonly remove: (keys: ReadonlyArray<string>) => Effect.Effect<void, CheckpointFailed>
  /** Every record, as stored (possibly of another format, or damaged): `Checkpoints` sorts them out. */
  readonly list: Effect.Effect<ReadonlyArray<{ readonly key: string; readonly record: unknown }>, CheckpointFailed>
  /**
   * Removes what was last written before `before` (ms since the epoch), including what the
   * level cannot read; returns how many went.
   */
  readonly pruneBefore: (before: number) => Effect.Effect<number, CheckpointFailed>
}

/** Whether `value` is a record of this format (its state is checked by the kind's schema). */
export const isStoredCheckpoint = (value: unknown): value is StoredCheckpoint => {
  if (typeof value !== "object" || value === null) return false
  const v = value as Partial<StoredCheckpoint>
  return v.format === CHECKPOINT_FORMAT && typeof v.key === "string" && typeof v.identity === "string" &&
    typeof v.kind === "string" && typeof v.version === "number" && typeof v.savedAt === "number" && "state" in v
}
