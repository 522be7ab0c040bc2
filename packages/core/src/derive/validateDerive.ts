import { Duration, Effect } from "effect"
import {
  type DeriveError,
  deriveError,
  InputTooLarge,
  MemoryOverCeiling,
  ParameterOutOfRange,
  SaltTooShort,
  UnknownKdf
} from "./DeriveError.js"
import {
  type Argon2idParams,
  type DeriveParams,
  HASH_BYTES,
  hashOf,
  isArgon2id,
  isHkdf,
  isPbkdf2,
  isScrypt,
  KDF_ALGORITHMS,
  type KdfHash,
  memoryBytes,
  type ScryptParams
} from "./params.js"

const MiB = 1024 * 1024
const GiB = 1024 * MiB

/** What `derive` accepts. Past these a request is a mistake or an attack on the machine, not a key. */
export const DERIVE_LIMITS = {
  /** PBKDF2 rounds: at least one (RFC 8018 §5.2); 100 million take minutes even on node:crypto. */
  minIterations: 1,
  maxIterations: 100_000_000,
  /** Every further hLen of PBKDF2 output costs the whole iteration count again. */
  maxPbkdf2Length: 1024,
  /** NIST SP 800-132 §5.1: a salt of at least 128 bits. */
  minPbkdf2Salt: 16,
  /** Password, input key material, salt and info each (and Argon2's secret and associated data). */
  maxInputBytes: MiB,
  /**
   * The most memory a scrypt or Argon2id derivation may ask for, whatever the caller's
   * ceiling: 4 GiB is twice RFC 9106's first recommended option (2 GiB) and 64 times
   * OWASP's scrypt and Argon2id settings, and the most a 32-bit WebAssembly kernel (the
   * browser's) can address at all. A caller passes a lower ceiling for its machine (the
   * CLI: half of its memory), and the web app one for a page.
   */
  maxMemoryBytes: 4 * GiB,
  /** scrypt: N from 2 (RFC 7914: a power of two above 1) to 2^30; memory is the real bound. */
  minScryptLogN: 1,
  maxScryptLogN: 30,
  /** scrypt's r: 8 is the usual value; 32 allows every published setting with room to spare. */
  maxScryptR: 32,
  /** scrypt's p multiplies the time, not the memory: 1 is the recommendation, RFC 7914's vectors reach 16. */
  maxScryptP: 16,
  /** Argon2id: RFC 9106 asks for at least one pass; 256 passes of any memory worth having is hours. */
  maxArgon2Passes: 256,
  /** Argon2id lanes: the reference allows 2^24 - 1; 255 is more than any machine's threads. */
  maxArgon2Parallelism: 255,
  /** RFC 9106 §3.1: a tag of at least 4 bytes; the same 1024 cap as PBKDF2 and scrypt. */
  minArgon2Length: 4,
  maxMemoryHardLength: 1024,
  /** RFC 9106 §3.1 and the reference implementation: a salt of at least 8 bytes, which nothing overrides. */
  minArgon2SaltFloor: 8
} as const

/** What the caller adds to the fixed limits: the memory this machine may give a derivation. */
export interface DeriveLimitsOptions {
  /** Bytes; never above `DERIVE_LIMITS.maxMemoryBytes` (a higher value is that). */
  readonly maxMemoryBytes?: number | undefined
}

/** RFC 5869 §2.3: L <= 255 * HashLen. */
export const maxHkdfLength = (hash: KdfHash): number => 255 * HASH_BYTES[hash]

const wholeIn = (value: number, min: number, max: number) => Number.isSafeInteger(value) && value >= min && value <= max

/**
 * Checks every parameter before any work: on the calling thread (so a bad request never
 * reaches a worker) and again in the handler (a worker trusts no caller). Messages name
 * the parameter and its size, never its bytes.
 */
export const validateDerive = (params: DeriveParams, options: DeriveLimitsOptions = {}): Effect.Effect<void, DeriveError> =>
  Effect.suspend(() => {
    const { algorithm } = params
    if (!(KDF_ALGORITHMS as ReadonlyArray<string>).includes(algorithm)) {
      return Effect.fail(deriveError(new UnknownKdf({ algorithm: String(algorithm) })))
    }
    const inputs: ReadonlyArray<readonly ["password" | "ikm" | "salt" | "info" | "secret" | "associatedData", Uint8Array | undefined]> = isHkdf(params)
      ? [["ikm", params.ikm], ["salt", params.salt], ["info", params.info]]
      : isArgon2id(params)
      ? [["password", params.password], ["salt", params.salt], ["secret", params.secret], ["associatedData", params.associatedData]]
      : [["password", params.password], ["salt", params.salt]]
    for (const [input, bytes] of inputs) {
      if (bytes !== undefined && bytes.length > DERIVE_LIMITS.maxInputBytes) {
        return Effect.fail(deriveError(new InputTooLarge({ algorithm, input, bytes: bytes.length, max: DERIVE_LIMITS.maxInputBytes })))
      }
    }
    const minLength = isArgon2id(params) ? DERIVE_LIMITS.minArgon2Length : 1
    const maxLength = isPbkdf2(params)
      ? DERIVE_LIMITS.maxPbkdf2Length
      : isHkdf(params)
      ? maxHkdfLength(hashOf(algorithm))
      : DERIVE_LIMITS.maxMemoryHardLength
    if (!wholeIn(params.length, minLength, maxLength)) {
      return Effect.fail(deriveError(new ParameterOutOfRange({ algorithm, parameter: "length", value: params.length, min: minLength, max: maxLength })))
    }
    if (isScrypt(params) || isArgon2id(params)) return validateMemoryHard(params, options)
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

const outOfRange = (params: ScryptParams | Argon2idParams, parameter: ParameterOutOfRange["parameter"], value: number, min: number, max: number) =>
  Effect.fail(deriveError(new ParameterOutOfRange({ algorithm: params.algorithm, parameter, value, min, max })))

/** The memory this call may use: the caller's ceiling, never above the fixed one. */
export const memoryCeiling = (options: DeriveLimitsOptions = {}): number =>
  Math.min(options.maxMemoryBytes ?? DERIVE_LIMITS.maxMemoryBytes, DERIVE_LIMITS.maxMemoryBytes)

const validateMemoryHard = (params: ScryptParams | Argon2idParams, options: DeriveLimitsOptions): Effect.Effect<void, DeriveError> => {
  const L = DERIVE_LIMITS
  const { algorithm } = params
  if (isScrypt(params)) {
    // RFC 7914 §2: N < 2^(128·r/8), so for r = 1 at most 2^15.
    const maxLogN = Math.min(L.maxScryptLogN, Number.isSafeInteger(params.r) && params.r >= 1 ? 16 * params.r - 1 : L.maxScryptLogN)
    if (!wholeIn(params.r, 1, L.maxScryptR)) return outOfRange(params, "r", params.r, 1, L.maxScryptR)
    if (!wholeIn(params.logN, L.minScryptLogN, maxLogN)) return outOfRange(params, "logN", params.logN, L.minScryptLogN, maxLogN)
    if (!wholeIn(params.p, 1, L.maxScryptP)) return outOfRange(params, "p", params.p, 1, L.maxScryptP)
  } else {
    if (!wholeIn(params.passes, 1, L.maxArgon2Passes)) return outOfRange(params, "passes", params.passes, 1, L.maxArgon2Passes)
    if (!wholeIn(params.parallelism, 1, L.maxArgon2Parallelism)) {
      return outOfRange(params, "parallelism", params.parallelism, 1, L.maxArgon2Parallelism)
    }
    // RFC 9106 §3.1: 8·p <= m <= 2^32 - 1 KiB; past the ceiling, the ceiling says so below.
    const maxKiB = 2 ** 32 - 1
    if (!wholeIn(params.memoryKiB, 8 * params.parallelism, maxKiB)) {
      return outOfRange(params, "memoryKiB", params.memoryKiB, 8 * params.parallelism, maxKiB)
    }
    if (params.salt.length < L.minArgon2SaltFloor) {
      return Effect.fail(deriveError(new SaltTooShort({ algorithm, bytes: params.salt.length, min: L.minArgon2SaltFloor, floor: true })))
    }
  }
  const needs = memoryBytes(params)
  const ceiling = memoryCeiling(options)
  if (needs > ceiling) return Effect.fail(deriveError(new MemoryOverCeiling({ algorithm, bytes: needs, max: ceiling })))
  if (params.salt.length < L.minPbkdf2Salt && params.allowShortSalt !== true) {
    return Effect.fail(deriveError(new SaltTooShort({ algorithm, bytes: params.salt.length, min: L.minPbkdf2Salt })))
  }
  return Effect.void
}

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
