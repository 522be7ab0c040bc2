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

/**
 * A `FileHashed` from fields the job itself produced (a worker's digests, the cache's
 * answer), without the schema's parse of them: that parse costs ~16 µs a file, more than
 * hashing a 4 KiB file. The same object `new FileHashed(...)` makes.
 */
export const fileHashed = (fields: {
  readonly index: number
  readonly name: string
  readonly digests: Record<string, string>
  readonly bytes: number
  readonly cached?: boolean | undefined
}): FileHashed => {
  const result = Object.create(FileHashed.prototype) as { -readonly [K in keyof FileHashed]: FileHashed[K] }
  result._tag = "FileHashed"
  result.index = fields.index
  result.name = fields.name
  result.digests = fields.digests
  result.bytes = fields.bytes
  if (fields.cached !== undefined) result.cached = fields.cached
  return result as FileHashed
}

/** One source of a job could not be hashed; the rest of the job goes on. */
export class FileFailed extends Schema.TaggedClass<FileFailed>()("FileFailed", {
  index: Schema.Number,
  name: Schema.String,
  reason: HashErrorReason
}) {}

export { JobProgress }

export type HashJobEvent = FileHashed | FileFailed | JobProgress
