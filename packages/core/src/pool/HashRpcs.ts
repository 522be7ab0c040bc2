import { Schema } from "effect"
import { Rpc, RpcGroup } from "effect/rpc"
import { Transferable } from "effect/workers"
import { HashAlgorithm } from "../domain/HashAlgorithm.js"
import { HashError } from "../domain/HashError.js"
import { HashEvent } from "../domain/HashEvent.js"
import { Source } from "../domain/Source.js"

/** Hash a whole source on one worker, every algorithm over one read; progress, then the digests. */
export class HashSource extends Rpc.make("HashSource", {
  payload: {
    source: Source,
    algorithms: Schema.Array(HashAlgorithm)
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

export class HashRpcs extends RpcGroup.make(HashSource, Blake3Subtree, SourceSize) {}
