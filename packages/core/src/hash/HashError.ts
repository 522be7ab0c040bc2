import { Schema } from "effect"

/**
 * Expected failures of hashing and checking. Each reason is plain data (paths, codes,
 * line numbers), never file content or a key, so it is safe to print, log and post
 * between threads.
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
      ? `${this.path}: the file changed while it was being hashed`
      : `${this.path}: read failed (${this.code})`
  }
}

export class UnsupportedAlgorithm extends Schema.TaggedClass<UnsupportedAlgorithm>()("UnsupportedAlgorithm", {
  algorithm: Schema.String
}) {
  get message() {
    return `unsupported algorithm '${this.algorithm}'`
  }
}

export class MalformedChecksumLine extends Schema.TaggedClass<MalformedChecksumLine>()("MalformedChecksumLine", {
  file: Schema.String,
  line: Schema.Number,
  detail: Schema.String
}) {
  get message() {
    return `${this.file}: ${this.line}: improperly formatted checksum line (${this.detail})`
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

export const HashErrorReason = Schema.Union([
  FileNotFound,
  PermissionDenied,
  IsADirectory,
  ReadFailed,
  UnsupportedAlgorithm,
  MalformedChecksumLine,
  WorkerFailure
])
export type HashErrorReason = typeof HashErrorReason.Type

export class HashError extends Schema.TaggedError<HashError>()("HashError", {
  reason: HashErrorReason
}) {
  override get message() {
    return this.reason.message
  }
}

export const hashError = (reason: HashErrorReason): HashError => new HashError({ reason })

/**
 * Errno codes of a read that may succeed when tried again: the resource was busy, the
 * process ran out of descriptors for a moment, or the call was interrupted.
 */
export const TRANSIENT_READ_CODES: ReadonlySet<string> = new Set([
  "EAGAIN",
  "EBUSY",
  "EMFILE",
  "ENFILE",
  "EINTR",
  "ETIMEDOUT"
])

/**
 * Transient failures are worth another attempt (a crashed or hung worker, a busy file,
 * no free descriptors); permanent ones never are (missing, unreadable, bad input,
 * unsupported). Every front end and the retry policy ask this one function.
 */
export const isTransient = (reason: HashErrorReason): boolean => {
  switch (reason._tag) {
    case "WorkerFailure":
      return true
    case "ReadFailed":
      return TRANSIENT_READ_CODES.has(reason.code)
    default:
      return false
  }
}
