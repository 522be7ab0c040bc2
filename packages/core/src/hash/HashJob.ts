import { Schema } from "effect"
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

/** The whole job so far: bytes over every source, the known total, and the rate. */
export class JobProgress extends Schema.TaggedClass<JobProgress>()("JobProgress", {
  bytes: Schema.Number,
  total: Schema.optional(Schema.Number),
  filesDone: Schema.Number,
  files: Schema.Number,
  bytesPerSecond: Schema.Number
}) {}

export type HashJobEvent = FileHashed | FileFailed | JobProgress
