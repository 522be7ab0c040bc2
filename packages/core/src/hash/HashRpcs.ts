import { Schema } from "effect"
import { Rpc, RpcGroup } from "effect/rpc"
import { Transferable } from "effect/workers"
import { HashAlgorithm } from "./HashAlgorithm.js"
import { HashError, HashErrorReason } from "./HashError.js"
import { Checkpointed, HashEvent } from "./HashEvent.js"
import { Source } from "../engine/Source.js"

/**
 * Hash a whole source on one worker, every algorithm over one read; progress, then the
 * digests. With `checkpointEvery`, resumable hashers save their state that often
 * (`Checkpointed` events); with `resume`, hashing continues from such a state.
 */
export class HashSource extends Rpc.make("HashSource", {
  payload: {
    source: Source,
    algorithms: Schema.Array(HashAlgorithm),
    checkpointEvery: Schema.optional(Schema.Number),
    resume: Schema.optional(Checkpointed)
  },
  success: HashEvent,
  error: HashError,
  stream: true
}) {}

/** The BLAKE3 chaining value of one aligned subtree of a file (one piece of a parallel hash). */
export class Blake3Subtree extends Rpc.make("Blake3Subtree", {
  payload: {
    source: Source,
    offset: Schema.Number,
    length: Schema.Number,
    startChunk: Schema.Number
  },
  success: Schema.Struct({ cv: Transferable.Uint8Array }),
  error: HashError
}) {}

/** The size of a source, so the caller can split it before fanning out. */
export class SourceSize extends Rpc.make("SourceSize", {
  payload: { source: Source },
  success: Schema.UndefinedOr(Schema.Number),
  error: HashError
}) {}

/** Sizes of many sources in one round trip (undefined where unknown or unreadable). */
export class SourceSizes extends Rpc.make("SourceSizes", {
  payload: { sources: Schema.Array(Source) },
  success: Schema.Array(Schema.UndefinedOr(Schema.Number))
}) {}

export const BatchOutcome = Schema.Union([
  Schema.TaggedStruct("Digested", { digests: Schema.Record(Schema.String, Schema.String), bytes: Schema.Number }),
  Schema.TaggedStruct("Failed", { reason: HashErrorReason })
])
export type BatchOutcome = typeof BatchOutcome.Type

/**
 * Many small sources hashed in one request: one message each way instead of a stream per
 * file, so a tree of tiny files is not bound by the latency between threads.
 */
export class HashBatch extends Rpc.make("HashBatch", {
  payload: {
    items: Schema.Array(Schema.Struct({ source: Source, algorithms: Schema.Array(HashAlgorithm) }))
  },
  success: Schema.Array(BatchOutcome)
}) {}

export class HashRpcs extends RpcGroup.make(HashSource, Blake3Subtree, SourceSize, SourceSizes, HashBatch) {}
