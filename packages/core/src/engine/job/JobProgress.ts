import { Schema } from "effect"

/** The whole job so far: bytes over every item, the known total, items done, and the rate. */
export class JobProgress extends Schema.TaggedClass<JobProgress>()("JobProgress", {
  bytes: Schema.Number,
  total: Schema.optional(Schema.Number),
  filesDone: Schema.Number,
  files: Schema.Number,
  bytesPerSecond: Schema.Number
}) {}
