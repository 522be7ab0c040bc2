import { Schema } from "effect"
import { Rpc, RpcGroup } from "effect/rpc"
import { Transferable } from "effect/workers"
import { OutputFailed, SourceError } from "../engine/errors.js"
import { PathSink } from "../engine/Sink.js"
import { Source } from "../engine/Source.js"
import { AgeError, EmptyLastChunk, Tampered, TrailingData, Truncated } from "./AgeError.js"

/**
 * age's tasks on the pool (design §5.1). A worker is sent the payload key only (32 bytes,
 * which can neither forge a header nor unwrap a stanza), never the file key; it wipes the
 * key and every plaintext buffer it held when the task ends.
 */

export const AgeTaskError = Schema.Union([AgeError, SourceError, OutputFailed])
export type AgeTaskError = typeof AgeTaskError.Type

/** The size of a source and its first `length` bytes (fewer when it is shorter): a header's prefix. */
export class AgeProbe extends Rpc.make("AgeProbe", {
  payload: { source: Source, length: Schema.Number },
  success: Schema.Struct({ size: Schema.UndefinedOr(Schema.Number), prefix: Transferable.Uint8Array }),
  error: AgeTaskError
}) {}

/** Where a piece's input comes from: a range of a source the worker reads itself, or the bytes themselves. */
const pieceInput = {
  /** The payload key (32 bytes), transferred (never a string in a message); the worker wipes it. */
  key: Transferable.Uint8Array,
  /** A range read by the worker: `source` at `inOffset`, `inLength` bytes. */
  source: Schema.optional(Source),
  inOffset: Schema.Number,
  inLength: Schema.Number,
  /** Or the input itself (a piece read by the caller from a stream), transferred. */
  input: Schema.optional(Transferable.Uint8Array),
  /** The piece's first chunk's index in the payload, and its number of chunks. */
  firstChunk: Schema.Number,
  chunks: Schema.Number,
  /** Whether the piece holds the payload's last chunk. */
  final: Schema.Boolean,
  /** Where to write the output: `sink` at `outOffset`; without a sink the output is returned. */
  sink: Schema.optional(PathSink),
  outOffset: Schema.Number
}

/**
 * Seals chunks `firstChunk .. firstChunk + chunks` of plaintext (the last one final when
 * `final`). With `header`, also writes it at offset 0 of the sink (the first piece's task).
 */
export class AgeSeal extends Rpc.make("AgeSeal", {
  payload: { ...pieceInput, header: Schema.optional(Schema.Uint8Array) },
  success: Schema.Struct({ bytes: Schema.Number, output: Schema.optional(Transferable.Uint8Array) }),
  error: AgeTaskError
}) {}

export const PayloadFailure = Schema.Union([Tampered, Truncated, TrailingData, EmptyLastChunk])

/**
 * Opens a piece's chunks by `openChunk`'s rules, in order, keeping the plaintext of the
 * chunks that authenticated (`released` bytes) and the failure that stopped it, if any. To
 * a sink, only a piece that opened whole is written.
 */
export class AgeOpen extends Rpc.make("AgeOpen", {
  payload: pieceInput,
  success: Schema.Struct({
    released: Schema.Number,
    output: Schema.optional(Transferable.Uint8Array),
    failure: Schema.optional(PayloadFailure)
  }),
  error: AgeTaskError
}) {}

export class AgeRpcs extends RpcGroup.make(AgeProbe, AgeSeal, AgeOpen) {}
