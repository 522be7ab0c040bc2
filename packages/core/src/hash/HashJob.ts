import { Schema } from "effect"
import { JobProgress } from "../engine/job/JobProgress.js"
import { HashErrorReason } from "./HashError.js"

/**
 * One source of a job hashed: its digests by algorithm id, lower-case hex. `cached` when
 * the result cache answered for content it had seen unchanged.
 */
export class FileHashed extends Schema.TaggedClass<FileHashed>()("FileHashed", {
  index: Schema.Number,
  name: Schema.String,
  digests: Schema.Record(Schema.String, Schema.String),
  bytes: Schema.Number,
  cached: Schema.optional(Schema.Boolean)
}) {}

/** One source of a job could not be hashed; the rest of the job goes on. */
export class FileFailed extends Schema.TaggedClass<FileFailed>()("FileFailed", {
  index: Schema.Number,
  name: Schema.String,
  reason: HashErrorReason
}) {}

export { JobProgress }

export type HashJobEvent = FileHashed | FileFailed | JobProgress
