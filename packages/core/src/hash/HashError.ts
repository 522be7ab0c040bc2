import { Schema } from "effect"
import {
  FileNotFound,
  IsADirectory,
  PermissionDenied,
  ReadFailed,
  type SourceError,
  WorkerFailure,
  type WorkerError
} from "../engine/errors.js"

export {
  FileNotFound,
  IsADirectory,
  isTransient,
  PermissionDenied,
  ReadFailed,
  TRANSIENT_READ_CODES,
  WorkerFailure
} from "../engine/errors.js"

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
 * Why one source of a hash or check job failed: any reason the engine shares (its source,
 * its worker), or hashing's own (an algorithm it does not have, a bad checksum line).
 */
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


/** A failure of the engine (a source, a worker) as the hash job reports it. */
export const toHashError = (error: HashError | SourceError | WorkerError): HashError =>
  error._tag === "HashError" ? error : hashError(error.reason)
