/**
 * The hash operation's checkpoint: how many bytes were hashed and each hasher's state
 * (`Checkpointed`), which holds at most one pending block of input — the state of a public
 * computation, never a run of the file. Written by `Checkpoints` under the job
 * `hashJob(name, algorithms)` with the file's content identity.
 */
import { Schema } from "effect"
import * as CheckpointPolicy from "../engine/checkpoints/CheckpointPolicy.js"
import type { HashAlgorithm } from "./HashAlgorithm.js"
import { Checkpointed } from "./HashEvent.js"

/** Hasher states as base64 on disk and in IndexedDB: a record is plain JSON wherever it is kept. */
const HashStates = Schema.Struct({
  bytes: Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0)),
  /** The file's size, for a front end to say how far an unfinished hash got. */
  size: Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0)),
  states: Schema.Record(Schema.String, Schema.Uint8ArrayFromBase64)
})

export const HashCheckpointKind = CheckpointPolicy.kind({
  name: "hash",
  version: 1,
  schema: HashStates,
  holds: ["offset", "count", "publicState"]
})

/** The job a file's hash checkpoint is kept under: the file (its real path, or the name a page knows) and the algorithms. */
export type HashRecord = typeof HashStates.Type

export const hashJob = (file: string, algorithms: ReadonlyArray<HashAlgorithm>) => ({
  kind: "hash",
  path: file,
  algorithms: [...algorithms].sort()
})

/** The record of a checkpoint. */
export const toHashRecord = (checkpoint: Checkpointed, size: number): typeof HashStates.Type => ({
  bytes: checkpoint.bytes,
  size,
  states: { ...checkpoint.states }
})

/** The checkpoint a kept record resumes from, when it fits a file of `size` bytes hashed with `algorithms`. */
export const fromHashRecord = (
  record: typeof HashStates.Type | undefined,
  size: number,
  algorithms: ReadonlyArray<HashAlgorithm>
): Checkpointed | undefined =>
  record === undefined || record.bytes <= 0 || record.bytes > size || !algorithms.every((a) => record.states[a] !== undefined)
    ? undefined
    : new Checkpointed({ bytes: record.bytes, states: { ...record.states } })
