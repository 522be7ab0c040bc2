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
  type KdfAlgorithm,
  type KdfHash,
  memoryBytes,
  type ScryptParams
} from "./params.js"

/** A numeric parameter a range holds. */
export const RANGED_PARAMETERS = ["iterations", "length", "logN", "r", "p", "memoryKiB", "passes", "parallelism"] as const
export type RangedParameter = (typeof RANGED_PARAMETERS)[number]
/** The inputs whose size is held. */
export const DERIVE_INPUTS = ["password", "ikm", "salt", "info", "secret", "associatedData"] as const

/**
 * What is wrong with a request, as plain data: names and numbers only, never an input's
 * bytes. `DeriveError`'s reasons (DeriveError.ts) are these, with their messages; this
 * module is without Effect, so a program checks a request before it has loaded Effect.
 */
export type DeriveProblem =
  | { readonly _tag: "UnknownKdf"; readonly algorithm: string }
  | { readonly _tag: "ParameterOutOfRange"; readonly algorithm: KdfAlgorithm; readonly parameter: RangedParameter; readonly value: number; readonly min: number; readonly max: number }
  | { readonly _tag: "SaltTooShort"; readonly algorithm: KdfAlgorithm; readonly bytes: number; readonly min: number; readonly floor?: boolean | undefined }
  | { readonly _tag: "MemoryOverCeiling"; readonly algorithm: KdfAlgorithm; readonly bytes: number; readonly max: number }
  | { readonly _tag: "InputTooLarge"; readonly algorithm: KdfAlgorithm; readonly input: (typeof DERIVE_INPUTS)[number]; readonly bytes: number; readonly max: number }

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
 * What is wrong with a request, or undefined: every parameter checked before any work,
 * on the calling thread (so a bad request never reaches a worker, nor waits for its
 * secret) and again in the handler (`validateDerive`: a worker trusts no caller).
 */
export const checkDerive = (params: DeriveParams, options: DeriveLimitsOptions = {}): DeriveProblem | undefined => {
  const { algorithm } = params
  if (!(KDF_ALGORITHMS as ReadonlyArray<string>).includes(algorithm)) {
    return { _tag: "UnknownKdf", algorithm: String(algorithm) }
  }
  const inputs: ReadonlyArray<readonly ["password" | "ikm" | "salt" | "info" | "secret" | "associatedData", Uint8Array | undefined]> = isHkdf(params)
    ? [["ikm", params.ikm], ["salt", params.salt], ["info", params.info]]
    : isArgon2id(params)
    ? [["password", params.password], ["salt", params.salt], ["secret", params.secret], ["associatedData", params.associatedData]]
    : [["password", params.password], ["salt", params.salt]]
  for (const [input, bytes] of inputs) {
    if (bytes !== undefined && bytes.length > DERIVE_LIMITS.maxInputBytes) {
      return { _tag: "InputTooLarge", algorithm, input, bytes: bytes.length, max: DERIVE_LIMITS.maxInputBytes }
    }
  }
  const minLength = isArgon2id(params) ? DERIVE_LIMITS.minArgon2Length : 1
  const maxLength = isPbkdf2(params)
    ? DERIVE_LIMITS.maxPbkdf2Length
    : isHkdf(params)
    ? maxHkdfLength(hashOf(algorithm))
    : DERIVE_LIMITS.maxMemoryHardLength
  if (!wholeIn(params.length, minLength, maxLength)) {
    return { _tag: "ParameterOutOfRange", algorithm, parameter: "length", value: params.length, min: minLength, max: maxLength }
  }
  if (isScrypt(params) || isArgon2id(params)) return checkMemoryHard(params, options)
  if (isPbkdf2(params)) {
    const { maxIterations, minIterations, minPbkdf2Salt } = DERIVE_LIMITS
    if (!wholeIn(params.iterations, minIterations, maxIterations)) {
      return { _tag: "ParameterOutOfRange", algorithm, parameter: "iterations", value: params.iterations, min: minIterations, max: maxIterations }
    }
    if (params.salt.length < minPbkdf2Salt && params.allowShortSalt !== true) {
      return { _tag: "SaltTooShort", algorithm, bytes: params.salt.length, min: minPbkdf2Salt }
    }
  }
  return undefined
}

const outOfRange = (params: ScryptParams | Argon2idParams, parameter: RangedParameter, value: number, min: number, max: number): DeriveProblem =>
  ({ _tag: "ParameterOutOfRange", algorithm: params.algorithm, parameter, value, min, max })

/** The memory this call may use: the caller's ceiling, never above the fixed one. */
export const memoryCeiling = (options: DeriveLimitsOptions = {}): number =>
  Math.min(options.maxMemoryBytes ?? DERIVE_LIMITS.maxMemoryBytes, DERIVE_LIMITS.maxMemoryBytes)

const checkMemoryHard = (params: ScryptParams | Argon2idParams, options: DeriveLimitsOptions): DeriveProblem | undefined => {
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
      return { _tag: "SaltTooShort", algorithm, bytes: params.salt.length, min: L.minArgon2SaltFloor, floor: true }
    }
  }
  const needs = memoryBytes(params)
  const ceiling = memoryCeiling(options)
  if (needs > ceiling) return { _tag: "MemoryOverCeiling", algorithm, bytes: needs, max: ceiling }
  if (params.salt.length < L.minPbkdf2Salt && params.allowShortSalt !== true) {
    return { _tag: "SaltTooShort", algorithm, bytes: params.salt.length, min: L.minPbkdf2Salt }
  }
  return undefined
}
