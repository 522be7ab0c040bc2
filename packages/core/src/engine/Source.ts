import { Schema, SchemaGetter } from "effect"

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
 * What the core needs of a `Blob`: its size and slices of it. Typed structurally so that
 * a browser `File` and a Node `Blob` both fit whatever `lib` the caller compiles with.
 */
export interface BlobLike {
  readonly size: number
  slice(start?: number, end?: number): { arrayBuffer(): Promise<ArrayBuffer> }
}

/**
 * A `Blob` or `File` (web standard, also in Node). Posting it to a worker copies a
 * handle, not its bytes; the worker reads it in slices.
 */
export class BlobSource extends Schema.TaggedClass<BlobSource>()("BlobSource", {
  name: Schema.String,
  blob: Schema.declare((u): u is BlobLike => u instanceof Blob).annotate({
    // The worker protocol encodes payloads as JSON values, then posts them with structured
    // clone, which carries a Blob as a handle: pass it through untouched.
    toCodecJson: () =>
      Schema.link<BlobLike>()(Schema.Any, { decode: SchemaGetter.passthrough(), encode: SchemaGetter.passthrough() })
  })
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
