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

/**
 * A list of strings as one (`packList`): each followed by `separator`, which none holds. A
 * batch's names, sizes and stamps cross between threads so: one string to clone and to
 * check, rather than one per file (cloning 100,000 names one by one cost the calling
 * thread ~3 us a file).
 */
export const packList = (items: ReadonlyArray<string>, separator: string): string =>
  items.length === 0 ? "" : items.join(separator) + separator

export const unpackList = (packed: string, separator: string): Array<string> =>
  packed === "" ? [] : packed.slice(0, -1).split(separator)

/** Between names: no file name holds a NUL. */
export const NAME_SEPARATOR = "\u0000"

/**
 * The sizes of many sources, for planning a job (batches of small files). Compact like
 * `HashBatch`: files by name (`paths`, packed, with the exact `raw` bytes of names that
 * are not UTF-8), any other source whole (`sources`).
 */
export class SourceSizes extends Rpc.make("SourceSizes", {
  payload: {
    paths: Schema.optional(Schema.String),
    raw: Schema.optional(Schema.Array(Schema.Struct({ at: Schema.Number, bytes: Schema.Uint8Array }))),
    sources: Schema.optional(Schema.Array(Source))
  },
  success: Schema.Array(Schema.UndefinedOr(Schema.Number))
}) {}

/**
 * Many small sources hashed in one request: one message each way instead of a stream per
 * file, so a tree of tiny files is not bound by the latency between threads. Both ways
 * are compact: files by name (`paths`: every name in one string, `packList` with
 * `NAME_SEPARATOR`, with the exact `raw` bytes of the few names that are not UTF-8) or,
 * for other sources, `sources`; each item's algorithms by index into the batch's distinct
 * `algorithms` (`sets`; absent: all use the first). The answer is every digest in one
 * string, every size in one, every stamp in one, and the failures by position.
 */
export class HashBatch extends Rpc.make("HashBatch", {
  payload: {
    paths: Schema.optional(Schema.String),
    raw: Schema.optional(Schema.Array(Schema.Struct({ at: Schema.Number, bytes: Schema.Uint8Array }))),
    sources: Schema.optional(Schema.Array(Source)),
    algorithms: Schema.Array(Schema.Array(HashAlgorithm)),
    sets: Schema.optional(Schema.Array(Schema.Number)),
    /** Asks for `stamps`: each file's content-identity key after it was read (for the result cache). */
    stamp: Schema.optional(Schema.Boolean)
  },
  success: Schema.Struct({
    /** Lower-case hex digests of the items that were hashed, in order, each algorithm in its set's order, separated by spaces. */
    digests: Schema.String,
    /** Each item's size in bytes, in decimal, packed (`packList`, spaces); -1 where it failed. */
    sizes: Schema.String,
    failures: Schema.Array(Schema.Struct({ at: Schema.Number, reason: HashErrorReason })),
    /** With `stamp`, each item's key after it was read, packed (spaces: a key holds none); "" where the platform gave none. */
    stamps: Schema.optional(Schema.String)
  })
}) {}
export type HashBatchPayload = typeof HashBatch.payloadSchema.Type
export type HashBatchResult = typeof HashBatch.successSchema.Type

export class HashRpcs extends RpcGroup.make(HashSource, Blake3Subtree, SourceSize, SourceSizes, HashBatch) {}
