import { Schema } from "effect"
import { ERRNO_TEXT } from "./errnoText.js"

/**
 * The reasons every operation shares: its source (missing, forbidden, a directory, a read
 * that failed), its sink, and the worker it ran on. Each reason is plain data (paths,
 * codes), never content, a key or a passphrase, so it is safe to print, log and post
 * between threads. An operation adds a tagged error of its own for its own reasons.
 */
export class FileNotFound extends Schema.TaggedClass<FileNotFound>()("FileNotFound", {
  path: Schema.String
}) {
  get message() {
    return `${this.path}: No such file or directory`
  }
}

export class PermissionDenied extends Schema.TaggedClass<PermissionDenied>()("PermissionDenied", {
  path: Schema.String
}) {
  get message() {
    return `${this.path}: Permission denied`
  }
}

export class IsADirectory extends Schema.TaggedClass<IsADirectory>()("IsADirectory", {
  path: Schema.String
}) {
  get message() {
    return `${this.path}: Is a directory`
  }
}

export class ReadFailed extends Schema.TaggedClass<ReadFailed>()("ReadFailed", {
  path: Schema.String,
  code: Schema.String
}) {
  get message() {
    return this.code === "ECHANGED"
      ? `${this.path}: the file changed while it was being read`
      : `${this.path}: read failed (${this.code})`
  }
}

/**
 * A worker could not do its task: it crashed (`crashed`), ran past its deadline and was
 * replaced (`timeout`), or could not be started at all (`spawn`, for instance a
 * Content-Security-Policy that forbids workers). The task itself may be fine.
 */
export class WorkerFailure extends Schema.TaggedClass<WorkerFailure>()("WorkerFailure", {
  detail: Schema.String,
  kind: Schema.optional(Schema.Literals(["crashed", "timeout", "spawn"]))
}) {
  get message() {
    return `worker failed: ${this.detail}`
  }
}

/** Why a source could not be read. */
export const SourceReason = Schema.Union([FileNotFound, PermissionDenied, IsADirectory, ReadFailed])
export type SourceReason = typeof SourceReason.Type

/** A source could not be opened or read (`ByteSource`). */
export class SourceError extends Schema.TaggedError<SourceError>()("SourceError", {
  reason: SourceReason
}) {
  override get message() {
    return this.reason.message
  }
}

export const sourceError = (reason: SourceReason): SourceError => new SourceError({ reason })

/** The pool could not run a task: see `WorkerFailure`. */
export class WorkerError extends Schema.TaggedError<WorkerError>()("WorkerError", {
  reason: WorkerFailure
}) {
  override get message() {
    return this.reason.message
  }
}

export const workerError = (detail: string, kind: WorkerFailure["kind"]): WorkerError =>
  new WorkerError({ reason: new WorkerFailure({ detail, ...(kind === undefined ? {} : { kind }) }) })

/**
 * The output at `path` was not written (`code` is the errno code of the call that
 * failed). Only the path and the code: never any of the content.
 */
export class OutputFailed extends Schema.TaggedError<OutputFailed>()("OutputFailed", {
  path: Schema.String,
  code: Schema.String
}) {
  override get message() {
    const text = ERRNO_TEXT[this.code]
    return `${this.path}: not written: ${text === undefined ? this.code : `${text} (${this.code})`}`
  }
}

export { type HasReason, isTransient, isTransientError, TRANSIENT_READ_CODES } from "./transient.js"
