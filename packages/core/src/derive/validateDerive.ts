import { Duration, Effect } from "effect"
import { checkDerive, type DeriveLimitsOptions } from "./checkDerive.js"
import { type DeriveError, deriveErrorOf } from "./DeriveError.js"
import { type DeriveParams, HASH_BYTES, hashOf, isArgon2id, isPbkdf2, isScrypt, type KdfHash } from "./params.js"

export { DERIVE_LIMITS, type DeriveLimitsOptions, maxHkdfLength, memoryCeiling } from "./checkDerive.js"

const MiB = 1024 * 1024

/**
 * Checks every parameter before any work (`checkDerive`), as an Effect that fails with
 * derive's typed error: on the calling thread (so a bad request never reaches a worker)
 * and again in the handler (a worker trusts no caller).
 */
export const validateDerive = (params: DeriveParams, options: DeriveLimitsOptions = {}): Effect.Effect<void, DeriveError> =>
  Effect.suspend(() => {
    const problem = checkDerive(params, options)
    return problem === undefined ? Effect.void : Effect.fail(deriveErrorOf(problem))
  })

/**
 * PBKDF2 rounds a second on the slowest engine we accept as healthy: the portable
 * kernel (noble, pure JavaScript) on a slow phone. This machine's noble does about
 * 500,000 (SHA-256) and 220,000 (SHA-512); node:crypto and WebCrypto 2-5 million.
 */
export const SLOWEST_HEALTHY_ROUNDS_PER_SECOND: Record<KdfHash, number> = { sha256: 50_000, sha512: 25_000 }

/**
 * The memory-hard kernels' slowest healthy rate, in bytes of memory walked a second
 * (scrypt: 2·128·r·N·p; Argon2id: m KiB × t). Measured here: node:crypto 530 MiB/s
 * (scrypt) and 600 MiB/s (Argon2id), hash-wasm 500 and 400, noble (Argon2id with
 * associated data) 140 and 330; a slow phone's WebAssembly a fifth of that.
 */
export const SLOWEST_HEALTHY_MEMORY_HARD_BYTES_PER_SECOND = { scrypt: 50 * MiB, argon2id: 25 * MiB } as const

/**
 * The CPU time a derivation may take at the slowest healthy rate: the pool's deadline
 * for it. A derivation sends no progress, so this, not silence, says it hung.
 */
export const estimateCpu = (params: DeriveParams): Duration.Duration => {
  if (isScrypt(params)) {
    // ROMix writes then reads its N blocks of 128·r bytes, p times over.
    const bytes = 2 * 128 * params.r * 2 ** params.logN * params.p
    return Duration.millis(Math.ceil((bytes / SLOWEST_HEALTHY_MEMORY_HARD_BYTES_PER_SECOND.scrypt) * 1000))
  }
  if (isArgon2id(params)) {
    const bytes = params.memoryKiB * 1024 * params.passes
    return Duration.millis(Math.ceil((bytes / SLOWEST_HEALTHY_MEMORY_HARD_BYTES_PER_SECOND.argon2id) * 1000))
  }
  if (!isPbkdf2(params)) return Duration.millis(10)
  const hash = hashOf(params.algorithm)
  const blocks = Math.ceil(params.length / HASH_BYTES[hash])
  return Duration.millis(Math.ceil((params.iterations * blocks / SLOWEST_HEALTHY_ROUNDS_PER_SECOND[hash]) * 1000))
}
