import { Schema } from "effect"

/**
 * What a front end hands the core instead of bytes (DESIGN.md, "Move handles, not bytes"):
 * the worker that does the work opens the source itself.
 */
export class PathSource extends Schema.TaggedClass<PathSource>()("PathSource", {
  path: Schema.String
}) {}

/** Standard input, read by the worker through the process-wide descriptor 0. */
export class StdinSource extends Schema.TaggedClass<StdinSource>()("StdinSource", {}) {}

/**
 * A `Blob` or `File` (web standard, also in Node). Posting it to a worker copies a
 * handle, not its bytes; the worker reads it in slices.
 */
export class BlobSource extends Schema.TaggedClass<BlobSource>()("BlobSource", {
  name: Schema.String,
  blob: Schema.instanceOf(Blob)
}) {}

export const Source = Schema.Union([PathSource, StdinSource, BlobSource])
export type Source = typeof Source.Type

export const sourceName = (source: Source): string => {
  switch (source._tag) {
    case "PathSource":
      return source.path
    case "StdinSource":
      return "-"
    case "BlobSource":
      return source.name
  }
}
