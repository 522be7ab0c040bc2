import { Schema } from "effect"
import type * as P from "./params.js"
import { HKDF_ALGORITHMS, KDF_ALGORITHMS, PBKDF2_ALGORITHMS } from "./params.js"

/**
 * The schemas of `derive`'s requests, for a request that crosses to a worker (DeriveRpcs):
 * the types and everything else are params.ts's (re-exported here), and each schema is
 * held to its type below.
 */
export * from "./params.js"

export const KdfAlgorithm = Schema.Literals(KDF_ALGORITHMS)
export type KdfAlgorithm = P.KdfAlgorithm

export const Pbkdf2Params = Schema.Struct({
  algorithm: Schema.Literals(PBKDF2_ALGORITHMS),
  password: Schema.Uint8Array,
  salt: Schema.Uint8Array,
  iterations: Schema.Number,
  length: Schema.Number,
  allowShortSalt: Schema.optional(Schema.Boolean)
})
export type Pbkdf2Params = P.Pbkdf2Params

export const HkdfParams = Schema.Struct({
  algorithm: Schema.Literals(HKDF_ALGORITHMS),
  ikm: Schema.Uint8Array,
  salt: Schema.Uint8Array,
  info: Schema.Uint8Array,
  length: Schema.Number
})
export type HkdfParams = P.HkdfParams

export const ScryptParams = Schema.Struct({
  algorithm: Schema.Literal("scrypt"),
  password: Schema.Uint8Array,
  salt: Schema.Uint8Array,
  logN: Schema.Number,
  r: Schema.Number,
  p: Schema.Number,
  length: Schema.Number,
  allowShortSalt: Schema.optional(Schema.Boolean)
})
export type ScryptParams = P.ScryptParams

export const Argon2idParams = Schema.Struct({
  algorithm: Schema.Literal("argon2id"),
  password: Schema.Uint8Array,
  salt: Schema.Uint8Array,
  memoryKiB: Schema.Number,
  passes: Schema.Number,
  parallelism: Schema.Number,
  length: Schema.Number,
  secret: Schema.optional(Schema.Uint8Array),
  associatedData: Schema.optional(Schema.Uint8Array),
  allowShortSalt: Schema.optional(Schema.Boolean)
})
export type Argon2idParams = P.Argon2idParams

export const DeriveParams = Schema.Union([Pbkdf2Params, HkdfParams, ScryptParams, Argon2idParams])
export type DeriveParams = P.DeriveParams

/** Each schema's type is exactly its plain type: a field added to one and not the other fails the build. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const same: [
  Same<typeof KdfAlgorithm.Type, P.KdfAlgorithm>,
  Same<typeof Pbkdf2Params.Type, P.Pbkdf2Params>,
  Same<typeof HkdfParams.Type, P.HkdfParams>,
  Same<typeof ScryptParams.Type, P.ScryptParams>,
  Same<typeof Argon2idParams.Type, P.Argon2idParams>
] = [true, true, true, true, true]
void same
