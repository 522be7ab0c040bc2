import { Schema } from "effect"

/**
 * Why an age encryption or decryption was refused or failed [C2SP age; design §1.9, §5.1].
 * A reason carries names, counts and chunk indexes only: never a key, a file key, a
 * passphrase, a stanza body or a byte of plaintext, so it is safe to print, log and post
 * between threads (Schema classes: they survive the trip from a worker).
 */

/** No identity given unwraps any stanza of the header. */
export class NoIdentityMatch extends Schema.TaggedClass<NoIdentityMatch>()("NoIdentityMatch", {}) {
  get message() {
    return "no identity matched any of the file's recipients"
  }
}

/** The header's MAC does not verify with the unwrapped file key: the header was changed. */
export class BadHeaderMac extends Schema.TaggedClass<BadHeaderMac>()("BadHeaderMac", {}) {
  get message() {
    return "the header's MAC does not verify: the header was tampered with"
  }
}

/** The header breaks a rule of the format; `detail` says which, in words (never quoting a body). */
export class MalformedHeader extends Schema.TaggedClass<MalformedHeader>()("MalformedHeader", {
  detail: Schema.String
}) {
  get message() {
    return `malformed age header: ${this.detail}`
  }
}

/**
 * An SSH stanza names this identity's key (its tag) but its file key does not decrypt
 * under it (agessh: "failed to decrypt file key"): the stanza was tampered with or damaged,
 * or the file was made for another key whose tag is the same. An error, as age's: the
 * search for a file key ends here.
 */
export class UndecryptableFileKey extends Schema.TaggedClass<UndecryptableFileKey>()("UndecryptableFileKey", {
  stanza: Schema.String
}) {
  get message() {
    return `failed to decrypt file key: the ${this.stanza} stanza names this identity's key but does not open under it (the file was tampered with or damaged)`
  }
}

/** The first line names another version of the format (or is not an age file at all). */
export class UnsupportedVersion extends Schema.TaggedClass<UnsupportedVersion>()("UnsupportedVersion", {}) {
  get message() {
    return "unsupported age version: the file does not start with 'age-encryption.org/v1'"
  }
}

/** ASCII armor that breaks the strict PEM rules of the spec; `detail` says which. */
export class MalformedArmor extends Schema.TaggedClass<MalformedArmor>()("MalformedArmor", {
  detail: Schema.String
}) {
  get message() {
    return `malformed age armor: ${this.detail}`
  }
}

/** Payload chunk `chunk` (from 0) does not authenticate. */
export class Tampered extends Schema.TaggedClass<Tampered>()("Tampered", {
  chunk: Schema.Number
}) {
  get message() {
    return `chunk ${this.chunk} of the payload failed to authenticate: the file was tampered with or damaged`
  }
}

/** The payload ends without a final chunk; `chunk` is the index where one was due. */
export class Truncated extends Schema.TaggedClass<Truncated>()("Truncated", {
  chunk: Schema.Number
}) {
  get message() {
    return `the payload is truncated: it ends at chunk ${this.chunk} without a final chunk`
  }
}

/** Bytes follow the final chunk, which is chunk `chunk`. */
export class TrailingData extends Schema.TaggedClass<TrailingData>()("TrailingData", {
  chunk: Schema.Number
}) {
  get message() {
    return `data follows the final chunk (chunk ${this.chunk}) of the payload`
  }
}

/** The final chunk is empty though the payload is not [C2SP age §Payload]. */
export class EmptyLastChunk extends Schema.TaggedClass<EmptyLastChunk>()("EmptyLastChunk", {}) {
  get message() {
    return "the final chunk of the payload is empty, which only an empty payload may have"
  }
}

/** The file is passphrase-encrypted and the passphrase does not unwrap it. */
export class BadPassphrase extends Schema.TaggedClass<BadPassphrase>()("BadPassphrase", {}) {
  get message() {
    return "incorrect passphrase"
  }
}

/** An scrypt stanza asks for a work factor above the accepted maximum: refused before scrypt runs. */
export class WorkFactorTooLarge extends Schema.TaggedClass<WorkFactorTooLarge>()("WorkFactorTooLarge", {
  logN: Schema.Number,
  max: Schema.Number
}) {
  get message() {
    return `the passphrase's work factor 2^${this.logN} is above the maximum 2^${this.max}: refused before running scrypt`
  }
}

/** Recipients that may not share a file (post-quantum with classical ones, a passphrase with anything). */
export class IncompatibleRecipients extends Schema.TaggedClass<IncompatibleRecipients>()("IncompatibleRecipients", {
  detail: Schema.String
}) {
  get message() {
    return `incompatible recipients: ${this.detail}`
  }
}

/** Recipient number `index` (from 0, in the order given) is not one this reads. */
export class BadRecipient extends Schema.TaggedClass<BadRecipient>()("BadRecipient", {
  index: Schema.Number,
  problem: Schema.String
}) {
  get message() {
    return `recipient ${this.index + 1}: ${this.problem}`
  }
}

/** An identity that cannot be read: `file` and `line` (from 1; 0: the whole file, named by `problem`) say where, never what it holds. */
export class BadIdentity extends Schema.TaggedClass<BadIdentity>()("BadIdentity", {
  file: Schema.String,
  line: Schema.Number,
  problem: Schema.String
}) {
  get message() {
    // Line 0: the file as a whole (a locked SSH key, an encrypted identity file), the problem naming it.
    return this.line > 0 ? `${this.file}: line ${this.line}: not a usable identity: ${this.problem}` : this.problem
  }
}

export const AgeErrorReason = Schema.Union([
  NoIdentityMatch,
  BadHeaderMac,
  MalformedHeader,
  UndecryptableFileKey,
  UnsupportedVersion,
  MalformedArmor,
  Tampered,
  Truncated,
  TrailingData,
  EmptyLastChunk,
  BadPassphrase,
  WorkFactorTooLarge,
  IncompatibleRecipients,
  BadRecipient,
  BadIdentity
])
export type AgeErrorReason = typeof AgeErrorReason.Type

export class AgeError extends Schema.TaggedError<AgeError>()("AgeError", {
  reason: AgeErrorReason
}) {
  override get message() {
    return this.reason.message
  }
}

export const ageError = (reason: AgeErrorReason): AgeError => new AgeError({ reason })

/** The reasons of a payload that fails after some plaintext may have been released. */
export type PayloadFailure = Tampered | Truncated | TrailingData | EmptyLastChunk
