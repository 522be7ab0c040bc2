import { Data } from "effect"
import { DERIVE_INPUTS, type DeriveProblem, RANGED_PARAMETERS } from "./checkDerive.js"
import type { KdfAlgorithm } from "./params.js"

export { DERIVE_INPUTS, RANGED_PARAMETERS }

/**
 * Why a derivation was refused or failed. A reason carries names and numbers only: never
 * the password, the input key material, the salt or info bytes, nor any derived byte, so
 * it is safe to print, log and post between threads.
 *
 * Plain classes, without Effect's Schema: the checks on the calling thread make them, and
 * a program that only derives never loads Schema. Their schemas, for an error that crosses
 * from a worker, are DeriveErrorSchema.ts's (decoded back into these classes).
 */
export class UnknownKdf extends Data.TaggedClass("UnknownKdf")<{
  readonly algorithm: string
}> {
  get message() {
    return `unsupported key derivation '${this.algorithm}'`
  }
}

/** A numeric parameter out of its range: `parameter` names it, `value` is what was given. */
export class ParameterOutOfRange extends Data.TaggedClass("ParameterOutOfRange")<{
  readonly algorithm: KdfAlgorithm
  readonly parameter: (typeof RANGED_PARAMETERS)[number]
  readonly value: number
  readonly min: number
  readonly max: number
}> {
  get message() {
    const shown = Number.isFinite(this.value) ? String(this.value) : "not a number"
    return `${this.algorithm}: ${this.parameter} must be a whole number from ${this.min} to ${this.max} (got ${shown})`
  }
}

/**
 * A password hash with a salt under 16 bytes, without the caller saying it is meant; or,
 * `floor` set, under the algorithm's own minimum (Argon2's 8 bytes), which nothing allows.
 */
export class SaltTooShort extends Data.TaggedClass("SaltTooShort")<{
  readonly algorithm: KdfAlgorithm
  readonly bytes: number
  readonly min: number
  readonly floor?: boolean | undefined
}> {
  get message() {
    return this.floor === true
      ? `${this.algorithm}: the salt has ${this.bytes} bytes, fewer than ${this.min}, the algorithm's minimum`
      : `${this.algorithm}: the salt has ${this.bytes} bytes, fewer than ${this.min} (allow it explicitly to reproduce a key made with a short salt)`
  }
}

const MiB = 1024 * 1024
const showBytes = (bytes: number) =>
  bytes >= MiB ? `${(bytes / MiB).toFixed(bytes % MiB === 0 ? 0 : 1)} MiB` : `${(bytes / 1024).toFixed(bytes % 1024 === 0 ? 0 : 1)} KiB`

/**
 * A memory-hard derivation that would need more memory than the caller's ceiling (the
 * CLI's: a share of this machine's memory; at most 4 GiB anywhere).
 */
export class MemoryOverCeiling extends Data.TaggedClass("MemoryOverCeiling")<{
  readonly algorithm: KdfAlgorithm
  readonly bytes: number
  readonly max: number
}> {
  get message() {
    return `${this.algorithm}: these parameters need ${showBytes(this.bytes)} of memory, more than the ceiling of ${showBytes(this.max)}`
  }
}

/** An input (password, salt, info) larger than sluice accepts: only its size is told. */
export class InputTooLarge extends Data.TaggedClass("InputTooLarge")<{
  readonly algorithm: KdfAlgorithm
  readonly input: (typeof DERIVE_INPUTS)[number]
  readonly bytes: number
  readonly max: number
}> {
  get message() {
    return `${this.algorithm}: the ${this.input} has ${this.bytes} bytes, more than ${this.max}`
  }
}

/** The kernel itself failed (it should not: parameters were checked before). Its text is not kept: it could echo an input. */
export class KdfFailed extends Data.TaggedClass("KdfFailed")<{
  readonly algorithm: KdfAlgorithm
  readonly kernel: string
}> {
  get message() {
    return `${this.algorithm}: the ${this.kernel} kernel failed`
  }
}

export type DeriveErrorReason = UnknownKdf | ParameterOutOfRange | SaltTooShort | MemoryOverCeiling | InputTooLarge | KdfFailed

export class DeriveError extends Data.TaggedError("DeriveError")<{
  readonly reason: DeriveErrorReason
}> {
  override get message() {
    return this.reason.message
  }
}

export const deriveError = (reason: DeriveErrorReason): DeriveError => new DeriveError({ reason })

/** Bad parameters are the caller's to fix (a usage error); a kernel failure is sluice's. */
export const isInvalidParameters = (reason: DeriveErrorReason): boolean => reason._tag !== "KdfFailed"

/** The typed error for a problem `checkDerive` found. */
export const deriveErrorOf = (problem: DeriveProblem): DeriveError => {
  const { _tag, ...fields } = problem
  switch (problem._tag) {
    case "UnknownKdf":
      return deriveError(new UnknownKdf(fields as ConstructorParameters<typeof UnknownKdf>[0]))
    case "ParameterOutOfRange":
      return deriveError(new ParameterOutOfRange(fields as ConstructorParameters<typeof ParameterOutOfRange>[0]))
    case "SaltTooShort":
      return deriveError(new SaltTooShort(fields as ConstructorParameters<typeof SaltTooShort>[0]))
    case "MemoryOverCeiling":
      return deriveError(new MemoryOverCeiling(fields as ConstructorParameters<typeof MemoryOverCeiling>[0]))
    case "InputTooLarge":
      return deriveError(new InputTooLarge(fields as ConstructorParameters<typeof InputTooLarge>[0]))
  }
}
