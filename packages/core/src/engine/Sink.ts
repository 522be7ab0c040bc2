import { Schema } from "effect"

/**
 * Where an operation's output goes, as a handle a worker can open itself (DESIGN.md, "Move
 * handles, not bytes"): a file by path, written at offsets by whichever worker made the
 * bytes, or standard output, written in order.
 */
export class PathSink extends Schema.TaggedClass<PathSink>()("PathSink", {
  path: Schema.String
}) {}

/** Standard output: a stream, written in order by the calling thread. */
export class StdoutSink extends Schema.TaggedClass<StdoutSink>()("StdoutSink", {}) {}

export const Sink = Schema.Union([PathSink, StdoutSink])
export type Sink = typeof Sink.Type

export const sinkName = (sink: Sink): string => sink._tag === "PathSink" ? sink.path : "-"
