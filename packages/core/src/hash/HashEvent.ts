import { Schema } from "effect"
import { HashAlgorithm } from "./HashAlgorithm.js"

export const Digests = Schema.Record(HashAlgorithm, Schema.String)
export type Digests = Partial<Record<HashAlgorithm, string>>

/** Bytes read so far from one source; `total` is unknown for a pipe. */
export class Progress extends Schema.TaggedClass<Progress>()("Progress", {
  bytes: Schema.Number,
  total: Schema.optional(Schema.Number)
}) {}

/** Lower-case hex digests of one whole source, one per requested algorithm. */
export class Digested extends Schema.TaggedClass<Digested>()("Digested", {
  digests: Schema.Record(Schema.String, Schema.String),
  bytes: Schema.Number
}) {}

/**
 * Where a resumable hash of one source stands: `bytes` read and hashed, and each
 * algorithm's saved hasher state (opaque, self-describing; see `ResumableHasher`). Hashing
 * again from here gives the digests of an uninterrupted run. A state holds no more of the
 * input than one pending block, so it is as sensitive as the digest of a file: fine for
 * files a user hashes, never made for secrets.
 */
export class Checkpointed extends Schema.TaggedClass<Checkpointed>()("Checkpointed", {
  bytes: Schema.Number,
  states: Schema.Record(Schema.String, Schema.Uint8Array)
}) {}

/** Checkpoints of a stream: one every `every` bytes, and where to start from, if anywhere. */
export interface CheckpointRequest {
  readonly every: number
  readonly from?: Checkpointed | undefined
}

export const HashEvent = Schema.Union([Progress, Digested, Checkpointed])
export type HashEvent = typeof HashEvent.Type
