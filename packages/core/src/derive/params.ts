/**
 * What `derive` computes: PBKDF2 (RFC 8018 §5.2) and HKDF (RFC 5869), each over HMAC with
 * SHA-256 or SHA-512, and the memory-hard password hashes scrypt (RFC 7914) and Argon2id
 * (RFC 9106). Every parameter is explicit: there are no defaults to drift.
 *
 * The requests as plain types and the functions over them, without Effect's Schema: the
 * code that checks and runs a derivation on the calling thread needs no more (a program
 * that only derives never loads Schema). Their schemas, for requests that cross to a
 * worker, are DeriveParams.ts's, and are held to these types there.
 */
export const PBKDF2_ALGORITHMS = ["pbkdf2-sha256", "pbkdf2-sha512"] as const
export const HKDF_ALGORITHMS = ["hkdf-sha256", "hkdf-sha512"] as const
export const MEMORY_HARD_ALGORITHMS = ["scrypt", "argon2id"] as const
export const KDF_ALGORITHMS = [...PBKDF2_ALGORITHMS, ...HKDF_ALGORITHMS, ...MEMORY_HARD_ALGORITHMS] as const

export type KdfAlgorithm = (typeof KDF_ALGORITHMS)[number]

/** The hash under the HMAC, and its output length in bytes (HKDF's `HashLen`, PBKDF2's `hLen`). */
export type KdfHash = "sha256" | "sha512"
export const HASH_BYTES: Record<KdfHash, number> = { sha256: 32, sha512: 64 }
export const hashOf = (algorithm: KdfAlgorithm): KdfHash => algorithm.endsWith("sha512") ? "sha512" : "sha256"

/** PBKDF2: a password stretched by `iterations` rounds of HMAC over `salt`. */
export interface Pbkdf2Params {
  readonly algorithm: (typeof PBKDF2_ALGORITHMS)[number]
  readonly password: Uint8Array
  readonly salt: Uint8Array
  readonly iterations: number
  /** Bytes of output. */
  readonly length: number
  /**
   * A salt shorter than 16 bytes (NIST SP 800-132 §5.1 asks for at least 128 bits) is
   * refused unless this is set, for reproducing keys made elsewhere with a short salt.
   */
  readonly allowShortSalt?: boolean | undefined
}

/** HKDF: extract-then-expand of input key material that is already strong (not a password). */
export interface HkdfParams {
  readonly algorithm: (typeof HKDF_ALGORITHMS)[number]
  readonly ikm: Uint8Array
  /** May be empty: RFC 5869 §2.2 then uses HashLen zero bytes. */
  readonly salt: Uint8Array
  readonly info: Uint8Array
  readonly length: number
}

/**
 * scrypt (RFC 7914): N = 2^logN blocks of 128·r bytes, walked twice, p times. N is given
 * by its base-2 logarithm (passlib's `ln`): a power of two by construction.
 */
export interface ScryptParams {
  readonly algorithm: "scrypt"
  readonly password: Uint8Array
  readonly salt: Uint8Array
  /** log2 of N, the CPU/memory cost. */
  readonly logN: number
  /** The block size factor. */
  readonly r: number
  /** The parallelization factor (runs one after another here: it costs time, not memory). */
  readonly p: number
  readonly length: number
  /** As for PBKDF2: a salt under 16 bytes only when asked for (RFC 7914's own vectors use short ones). */
  readonly allowShortSalt?: boolean | undefined
}

/** Argon2id (RFC 9106), version 0x13. */
export interface Argon2idParams {
  readonly algorithm: "argon2id"
  readonly password: Uint8Array
  readonly salt: Uint8Array
  /** m: memory in KiB (1024 bytes). */
  readonly memoryKiB: number
  /** t: passes over the memory. */
  readonly passes: number
  /** p: lanes. */
  readonly parallelism: number
  /** T: tag length in bytes. */
  readonly length: number
  /** K: an optional secret key (a pepper); wiped after use like the password. */
  readonly secret?: Uint8Array | undefined
  /** X: optional associated data. */
  readonly associatedData?: Uint8Array | undefined
  /** A salt from 8 (RFC 9106's floor) to 15 bytes only when asked for; under 8 never. */
  readonly allowShortSalt?: boolean | undefined
}

export type DeriveParams = Pbkdf2Params | HkdfParams | ScryptParams | Argon2idParams

export const isPbkdf2 = (params: DeriveParams): params is Pbkdf2Params =>
  params.algorithm === "pbkdf2-sha256" || params.algorithm === "pbkdf2-sha512"
export const isHkdf = (params: DeriveParams): params is HkdfParams =>
  params.algorithm === "hkdf-sha256" || params.algorithm === "hkdf-sha512"
export const isScrypt = (params: DeriveParams): params is ScryptParams => params.algorithm === "scrypt"
export const isArgon2id = (params: DeriveParams): params is Argon2idParams => params.algorithm === "argon2id"
export const isMemoryHard = (params: DeriveParams): params is ScryptParams | Argon2idParams =>
  isScrypt(params) || isArgon2id(params)

/** The secret inputs of a request: wiped once it is used (the password, HKDF's input key material, Argon2's secret). */
export const secretsOf = (params: DeriveParams): ReadonlyArray<Uint8Array> =>
  isHkdf(params) ? [params.ikm] : isArgon2id(params) && params.secret !== undefined ? [params.password, params.secret] : [params.password]

/**
 * A copy of `bytes` in memory of its own. Not `.slice()`: on a Node Buffer (what
 * `readFileSync` gives) that is a view of the same memory, and a handler's wipe of the
 * "copy" would wipe the caller's password too (and a retry would derive from zeros).
 */
const copy = (bytes: Uint8Array): Uint8Array => new Uint8Array(bytes)

/** A copy of every byte array of a request, for a handler that will wipe its secrets. */
export const copyParams = (params: DeriveParams): DeriveParams => {
  if (isHkdf(params)) return { ...params, ikm: copy(params.ikm), salt: copy(params.salt), info: copy(params.info) }
  if (isArgon2id(params)) {
    return {
      ...params,
      password: copy(params.password),
      salt: copy(params.salt),
      ...(params.secret === undefined ? {} : { secret: copy(params.secret) }),
      ...(params.associatedData === undefined ? {} : { associatedData: copy(params.associatedData) })
    }
  }
  return { ...params, password: copy(params.password), salt: copy(params.salt) }
}

/**
 * The memory a memory-hard derivation needs, in bytes: scrypt's V (128·r·N) and B
 * (128·r·p); Argon2's m KiB. Zero for PBKDF2 and HKDF.
 */
export const memoryBytes = (params: DeriveParams): number => {
  if (isScrypt(params)) return 128 * params.r * (2 ** params.logN + params.p)
  if (isArgon2id(params)) return params.memoryKiB * 1024
  return 0
}
