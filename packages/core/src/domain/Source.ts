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

export const Source = Schema.Union([PathSource, StdinSource])
export type Source = typeof Source.Type

export const sourceName = (source: Source): string => source._tag === "PathSource" ? source.path : "-"
