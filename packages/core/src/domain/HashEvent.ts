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

export const HashEvent = Schema.Union([Progress, Digested])
export type HashEvent = typeof HashEvent.Type
