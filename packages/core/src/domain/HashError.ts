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

export class WorkerFailure extends Schema.TaggedClass<WorkerFailure>()("WorkerFailure", {
  detail: Schema.String
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
