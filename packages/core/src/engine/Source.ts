import { Schema, SchemaGetter } from "effect"
import { decodeUtf8Exact, decodeUtf8Lossy } from "./utf8.js"

export { decodeUtf8Exact, decodeUtf8Lossy } from "./utf8.js"

/**
 * What a front end hands the core instead of bytes (DESIGN.md, "Move handles, not bytes"):
 * the worker that does the work opens the source itself.
 *
 * A file name is bytes. `path` is the name as text, for display and for every name that is
 * valid UTF-8; a name that is not (Latin-1 disks, old archives) also carries its exact
 * `bytes`, which are what is opened and what a front end prints (`sourceNameBytes`). Make
 * one from the system's bytes with `pathSourceFromBytes`.
 */
export class PathSource extends Schema.TaggedClass<PathSource>()("PathSource", {
  path: Schema.String,
  /** The name's bytes, present only when they are not valid UTF-8 (`path` then shows them with U+FFFD). */
  bytes: Schema.optional(Schema.Uint8Array)
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

const utf8 = new TextEncoder()


/**
 * A `PathSource` of a name already known to be text, without the schema's parse (a few
 * µs a name: a checksum file of 100,000 names would spend a noticeable part of its run
 * there). The same object `new PathSource({ path })` makes.
 */
export const pathSourceFromText = (path: string): PathSource => {
  const source = Object.create(PathSource.prototype) as { _tag: "PathSource"; path: string }
  source._tag = "PathSource"
  source.path = path
  return source as PathSource
}

/** A file named by the bytes the system gave (argv, a directory listing, a checksum file). */
export const pathSourceFromBytes = (bytes: Uint8Array): PathSource => {
  const text = decodeUtf8Exact(bytes)
  return text !== undefined
    ? pathSourceFromText(text)
    : new PathSource({ path: decodeUtf8Lossy(bytes), bytes: Uint8Array.from(bytes) })
}

/**
 * The name as bytes, exactly as the system gave it: what a front end prints where
 * coreutils prints the name (checksum lines, `--check` results). Standard input is `-`.
 */
export const sourceNameBytes = (source: Source): Uint8Array =>
  source._tag === "PathSource" && source.bytes !== undefined ? source.bytes : utf8.encode(sourceName(source))
