import { Schema } from "effect"

/**
 * What `derive` computes: PBKDF2 (RFC 8018 §5.2) and HKDF (RFC 5869), each over HMAC with
 * SHA-256 or SHA-512. Every parameter is explicit: there are no defaults to drift.
 */
export const PBKDF2_ALGORITHMS = ["pbkdf2-sha256", "pbkdf2-sha512"] as const
export const HKDF_ALGORITHMS = ["hkdf-sha256", "hkdf-sha512"] as const
export const KDF_ALGORITHMS = [...PBKDF2_ALGORITHMS, ...HKDF_ALGORITHMS] as const

export const KdfAlgorithm = Schema.Literals(KDF_ALGORITHMS)
export type KdfAlgorithm = typeof KdfAlgorithm.Type

/** The hash under the HMAC, and its output length in bytes (HKDF's `HashLen`, PBKDF2's `hLen`). */
export type KdfHash = "sha256" | "sha512"
export const HASH_BYTES: Record<KdfHash, number> = { sha256: 32, sha512: 64 }
export const hashOf = (algorithm: KdfAlgorithm): KdfHash => algorithm.endsWith("sha512") ? "sha512" : "sha256"

/** PBKDF2: a password stretched by `iterations` rounds of HMAC over `salt`. */
export const Pbkdf2Params = Schema.Struct({
  algorithm: Schema.Literals(PBKDF2_ALGORITHMS),
  password: Schema.Uint8Array,
  salt: Schema.Uint8Array,
  iterations: Schema.Number,
  /** Bytes of output. */
  length: Schema.Number,
  /**
   * A salt shorter than 16 bytes (NIST SP 800-132 §5.1 asks for at least 128 bits) is
   * refused unless this is set, for reproducing keys made elsewhere with a short salt.
   */
  allowShortSalt: Schema.optional(Schema.Boolean)
})
export type Pbkdf2Params = typeof Pbkdf2Params.Type

/** HKDF: extract-then-expand of input key material that is already strong (not a password). */
export const HkdfParams = Schema.Struct({
  algorithm: Schema.Literals(HKDF_ALGORITHMS),
  ikm: Schema.Uint8Array,
  /** May be empty: RFC 5869 §2.2 then uses HashLen zero bytes. */
  salt: Schema.Uint8Array,
  info: Schema.Uint8Array,
  length: Schema.Number
})
export type HkdfParams = typeof HkdfParams.Type

export const DeriveParams = Schema.Union([Pbkdf2Params, HkdfParams])
export type DeriveParams = typeof DeriveParams.Type

export const isPbkdf2 = (params: DeriveParams): params is Pbkdf2Params =>
  params.algorithm === "pbkdf2-sha256" || params.algorithm === "pbkdf2-sha512"
