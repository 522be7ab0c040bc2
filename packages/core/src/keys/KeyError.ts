import { Schema } from "effect"
import { KeyType } from "./KeyType.js"

/**
 * Why a key generation was refused or failed. A reason carries names and numbers only:
 * never a private key, a passphrase or a byte of either, so it is safe to print, log
 * and post between threads. A kernel's or encoder's own error text is dropped, since it
 * could quote its input.
 */
export class UnknownKeyType extends Schema.TaggedClass<UnknownKeyType>()("UnknownKeyType", {
  type: Schema.String
}) {
  get message() {
    return `unsupported key type '${this.type}'`
  }
}

export class UnknownKeyFormat extends Schema.TaggedClass<UnknownKeyFormat>()("UnknownKeyFormat", {
  format: Schema.String
}) {
  get message() {
    return `unsupported key format '${this.format}'`
  }
}

/** A format that has no encoding of the type (an OpenSSH ML-KEM key, an age Ed25519 identity). */
export class FormatNotForType extends Schema.TaggedClass<FormatNotForType>()("FormatNotForType", {
  format: Schema.String,
  type: KeyType
}) {
  get message() {
    return `${this.type} keys have no ${this.format} form`
  }
}

/** An encrypted format without a passphrase, or a passphrase out of the accepted sizes. */
export class BadPassphrase extends Schema.TaggedClass<BadPassphrase>()("BadPassphrase", {
  format: Schema.String,
  problem: Schema.Literals(["missing", "empty", "too long", "unused"]),
  max: Schema.Number
}) {
  get message() {
    switch (this.problem) {
      case "missing":
        return `${this.format} needs a passphrase`
      case "empty":
        return `${this.format}: the passphrase is empty`
      case "too long":
        return `${this.format}: the passphrase is longer than ${this.max} bytes`
      case "unused":
        return "a passphrase was given but no encrypted format was asked for"
    }
  }
}

/** A derived PBES2 key that is not one Sluice derives, or sent with no encrypted PKCS#8 form. Names sizes, never bytes. */
export class BadPbes2Key extends Schema.TaggedClass<BadPbes2Key>()("BadPbes2Key", {
  problem: Schema.String
}) {
  get message() {
    return `encrypted PKCS#8's derived key: ${this.problem}`
  }
}

export class CountOutOfRange extends Schema.TaggedClass<CountOutOfRange>()("CountOutOfRange", {
  value: Schema.Number,
  min: Schema.Number,
  max: Schema.Number
}) {
  get message() {
    const shown = Number.isFinite(this.value) ? String(this.value) : "not a number"
    return `the count of keys in one task must be a whole number from ${this.min} to ${this.max} (got ${shown})`
  }
}

/** This environment's kernel cannot generate the type (noble has no RSA). */
export class KeyTypeUnavailable extends Schema.TaggedClass<KeyTypeUnavailable>()("KeyTypeUnavailable", {
  type: KeyType,
  kernel: Schema.String
}) {
  get message() {
    return `${this.type}: the ${this.kernel} kernel cannot generate this type here`
  }
}

/** The kernel failed. Its text is not kept. */
export class GenerationFailed extends Schema.TaggedClass<GenerationFailed>()("GenerationFailed", {
  type: KeyType,
  kernel: Schema.String
}) {
  get message() {
    return `${this.type}: the ${this.kernel} kernel failed`
  }
}

/** An encoder failed (it should not: parameters were checked). Its text is not kept. */
export class EncodingFailed extends Schema.TaggedClass<EncodingFailed>()("EncodingFailed", {
  type: KeyType,
  format: Schema.String
}) {
  get message() {
    return `${this.type}: writing the ${this.format} form failed`
  }
}

export const KeygenErrorReason = Schema.Union([
  UnknownKeyType,
  UnknownKeyFormat,
  FormatNotForType,
  BadPassphrase,
  BadPbes2Key,
  CountOutOfRange,
  KeyTypeUnavailable,
  GenerationFailed,
  EncodingFailed
])
export type KeygenErrorReason = typeof KeygenErrorReason.Type

export class KeygenError extends Schema.TaggedError<KeygenError>()("KeygenError", {
  reason: KeygenErrorReason
}) {
  override get message() {
    return this.reason.message
  }
}

export const keygenError = (reason: KeygenErrorReason): KeygenError => new KeygenError({ reason })

/** Bad parameters are the caller's to fix; an unavailable type or a failure is the environment's. */
export const isInvalidRequest = (reason: KeygenErrorReason): boolean =>
  reason._tag !== "GenerationFailed" && reason._tag !== "EncodingFailed" && reason._tag !== "KeyTypeUnavailable"

/**
 * A key file that could not be read. Like every error here it names what was wrong
 * (a label, a field, a length), never a byte of the key.
 */
export class KeyParseError extends Schema.TaggedError<KeyParseError>()("KeyParseError", {
  format: Schema.String,
  problem: Schema.String
}) {
  override get message() {
    return `not a readable ${this.format} key: ${this.problem}`
  }
}
