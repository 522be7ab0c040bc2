import { Duration, Effect } from "effect"
import {
  type DeriveError,
  deriveError,
  InputTooLarge,
  ParameterOutOfRange,
  SaltTooShort,
  UnknownKdf
} from "./DeriveError.js"
import { type DeriveParams, HASH_BYTES, hashOf, isPbkdf2, KDF_ALGORITHMS, type KdfHash } from "./DeriveParams.js"

const MiB = 1024 * 1024

/** What `derive` accepts. Past these a request is a mistake or an attack on the machine, not a key. */
export const DERIVE_LIMITS = {
  /** PBKDF2 rounds: at least one (RFC 8018 §5.2); 100 million take minutes even on node:crypto. */
  minIterations: 1,
  maxIterations: 100_000_000,
  /** Every further hLen of PBKDF2 output costs the whole iteration count again. */
  maxPbkdf2Length: 1024,
  /** NIST SP 800-132 §5.1: a salt of at least 128 bits. */
  minPbkdf2Salt: 16,
  /** Password, input key material, salt and info each. */
  maxInputBytes: MiB
} as const

/** RFC 5869 §2.3: L <= 255 * HashLen. */
export const maxHkdfLength = (hash: KdfHash): number => 255 * HASH_BYTES[hash]

const wholeIn = (value: number, min: number, max: number) => Number.isSafeInteger(value) && value >= min && value <= max

/**
 * Checks every parameter before any work: on the calling thread (so a bad request never
 * reaches a worker) and again in the handler (a worker trusts no caller). Messages name
 * the parameter and its size, never its bytes.
 */
export const validateDerive = (params: DeriveParams): Effect.Effect<void, DeriveError> =>
  Effect.suspend(() => {
    const { algorithm } = params
    if (!(KDF_ALGORITHMS as ReadonlyArray<string>).includes(algorithm)) {
      return Effect.fail(deriveError(new UnknownKdf({ algorithm: String(algorithm) })))
    }
    const hash = hashOf(algorithm)
    const inputs = isPbkdf2(params)
      ? [["password", params.password], ["salt", params.salt]] as const
      : [["ikm", params.ikm], ["salt", params.salt], ["info", params.info]] as const
    for (const [input, bytes] of inputs) {
      if (bytes.length > DERIVE_LIMITS.maxInputBytes) {
        return Effect.fail(deriveError(new InputTooLarge({ algorithm, input, bytes: bytes.length, max: DERIVE_LIMITS.maxInputBytes })))
      }
    }
    const maxLength = isPbkdf2(params) ? DERIVE_LIMITS.maxPbkdf2Length : maxHkdfLength(hash)
    if (!wholeIn(params.length, 1, maxLength)) {
      return Effect.fail(deriveError(new ParameterOutOfRange({ algorithm, parameter: "length", value: params.length, min: 1, max: maxLength })))
    }
    if (isPbkdf2(params)) {
      const { maxIterations, minIterations, minPbkdf2Salt } = DERIVE_LIMITS
      if (!wholeIn(params.iterations, minIterations, maxIterations)) {
        return Effect.fail(deriveError(new ParameterOutOfRange({ algorithm, parameter: "iterations", value: params.iterations, min: minIterations, max: maxIterations })))
      }
      if (params.salt.length < minPbkdf2Salt && params.allowShortSalt !== true) {
        return Effect.fail(deriveError(new SaltTooShort({ algorithm, bytes: params.salt.length, min: minPbkdf2Salt })))
      }
    }
    return Effect.void
  })

/**
 * PBKDF2 rounds a second on the slowest engine we accept as healthy: the portable
 * kernel (noble, pure JavaScript) on a slow phone. This machine's noble does about
 * 500,000 (SHA-256) and 220,000 (SHA-512); node:crypto and WebCrypto 2-5 million.
 */
export const SLOWEST_HEALTHY_ROUNDS_PER_SECOND: Record<KdfHash, number> = { sha256: 50_000, sha512: 25_000 }

/**
 * The CPU time a derivation may take at the slowest healthy rate: the pool's deadline
 * for it. A derivation sends no progress, so this, not silence, says it hung.
 */
export const estimateCpu = (params: DeriveParams): Duration.Duration => {
  if (!isPbkdf2(params)) return Duration.millis(10)
  const hash = hashOf(params.algorithm)
  const blocks = Math.ceil(params.length / HASH_BYTES[hash])
  return Duration.millis(Math.ceil((params.iterations * blocks / SLOWEST_HEALTHY_ROUNDS_PER_SECOND[hash]) * 1000))
}
