import { ed25519, x25519 } from "@noble/curves/ed25519.js"
import { p256, p384, p521 } from "@noble/curves/nist.js"
import { randomBytes } from "@noble/hashes/utils.js"
import { ml_dsa44, ml_dsa65, ml_dsa87 } from "@noble/post-quantum/ml-dsa.js"
import { ml_kem1024, ml_kem512, ml_kem768 } from "@noble/post-quantum/ml-kem.js"
import { Context, Effect, Layer } from "effect"
import type { Bytes } from "./der.js"
import { GenerationFailed, type KeygenError, keygenError, KeyTypeUnavailable } from "./KeyError.js"
import type { KeyPair } from "./KeyPair.js"
import { type EcType, KEY_INFO, type KeyType, type PqType } from "./KeyType.js"

/**
 * Generates key pairs and gives their parts as raw bytes: node:crypto in Node, WebCrypto
 * in a browser where it has the type, the audited noble libraries anywhere else. Every
 * kernel draws from the platform's CSPRNG (OpenSSL's; `crypto.getRandomValues`).
 */
export class KeyKernel extends Context.Service<KeyKernel, {
  /** Which implementation answers, for `doctor`, tests and errors. */
  readonly name: string
  /** Whether this kernel generates `type` here. */
  readonly supports: (type: KeyType) => boolean
  /** A new key pair whose byte arrays are its own (nothing shared with a pool of the platform). */
  readonly generate: (type: KeyType) => Effect.Effect<KeyPair, KeygenError>
  /**
   * The same, made on this thread at once, for the types quick enough (tens of µs: the
   * curves, ML-*) that a hop to another thread and an Effect per key cost more than the
   * work: bulk generation's hot path. Undefined where this kernel makes the type only
   * asynchronously (RSA's prime search, which must leave the thread free to hear an
   * interrupt) or not at all; throws when generation fails.
   */
  readonly generateNow?: (type: KeyType) => KeyPair | undefined
  /**
   * SHA-256 of `data` into `out` (32 bytes), for the fingerprints of bulk generation's JSON
   * lines: the platform's native hash where it has one that makes no object per call (in
   * Node, libsodium's), so a run of millions of keys leaves no garbage for it. Undefined:
   * noble's.
   */
  readonly sha256Into?: (data: Uint8Array, out: Uint8Array) => void
}>()("@sluice/core/KeyKernel") {}

/** A copy that owns its buffer, and the original wiped. */
export const owned = (bytes: Uint8Array): Bytes => {
  const copy = new Uint8Array(bytes)
  bytes.fill(0)
  return copy
}

const curves = { "ecdsa-p256": p256, "ecdsa-p384": p384, "ecdsa-p521": p521 } as const
const pqs = {
  "ml-dsa-44": ml_dsa44,
  "ml-dsa-65": ml_dsa65,
  "ml-dsa-87": ml_dsa87,
  "ml-kem-512": ml_kem512,
  "ml-kem-768": ml_kem768,
  "ml-kem-1024": ml_kem1024
} as const

/** ML-DSA (FIPS 204 Algorithm 6) or ML-KEM (FIPS 203 Algorithm 16) from a seed, in noble. */
export const pqFromSeed = (type: PqType, seed: Uint8Array): KeyPair => {
  const { publicKey, secretKey } = pqs[type].keygen(seed)
  secretKey.fill(0)
  return { family: "pq", type, seed: new Uint8Array(seed), publicKey: new Uint8Array(publicKey) }
}

/**
 * What is wrong with a public key read from a file, or undefined: a curve point must be
 * uncompressed, of its curve's size and on the curve (SEC 1 §3.2.2.1; Wycheproof's ECDH
 * set has compressed, off-curve and other-curve points), an OKP or ML-* key of its size.
 * Says sizes and names, never the key.
 */
export const publicKeyProblem = (type: KeyType, publicKey: Uint8Array): string | undefined => {
  const info = KEY_INFO[type]
  switch (info.family) {
    case "okp":
      return publicKey.length === 32 ? undefined : `a public key of ${publicKey.length} bytes, not 32`
    case "pq":
      return publicKey.length === info.publicBytes ? undefined : `a public key of ${publicKey.length} bytes, not ${info.publicBytes}`
    case "ec": {
      if (publicKey.length !== 1 + 2 * info.size || publicKey[0] !== 4) return `not an uncompressed ${info.crv} point`
      try {
        curves[type as EcType].Point.fromBytes(publicKey).assertValidity()
        return undefined
      } catch {
        return `a point not on ${info.crv}`
      }
    }
    case "rsa":
      return undefined
  }
}

/** An EC key pair from its scalar, in noble (SEC 1 §3.2.1). */
export const ecFromScalar = (type: EcType, d: Uint8Array): KeyPair => ({
  family: "ec",
  type,
  d: new Uint8Array(d),
  publicKey: new Uint8Array(curves[type].getPublicKey(d, false))
})

/** noble's generation of one pair; RSA it has not. */
const nobleGenerate = (type: KeyType): KeyPair | undefined => {
  const info = KEY_INFO[type]
  switch (type) {
    case "ed25519": {
      const seed = ed25519.utils.randomSecretKey()
      const publicKey = new Uint8Array(ed25519.getPublicKey(seed))
      return { family: "okp", type, publicKey, seed: owned(seed) }
    }
    case "x25519": {
      const seed = x25519.utils.randomSecretKey()
      const publicKey = new Uint8Array(x25519.getPublicKey(seed))
      return { family: "okp", type, publicKey, seed: owned(seed) }
    }
    case "ecdsa-p256":
    case "ecdsa-p384":
    case "ecdsa-p521": {
      const d = curves[type].utils.randomSecretKey()
      const pair = ecFromScalar(type, d)
      d.fill(0)
      return pair
    }
    case "rsa-2048":
    case "rsa-3072":
    case "rsa-4096":
      return undefined
    default: {
      if (info.family !== "pq") return undefined
      const seed = randomBytes(info.seedBytes)
      const pair = pqFromSeed(type, seed)
      seed.fill(0)
      return pair
    }
  }
}

export const NOBLE_KEY_KERNEL = "noble (curves@2.4.0, post-quantum@0.7.1)"

/**
 * noble, pure JavaScript: every type but RSA, for which no audited pure-JavaScript prime
 * generation is kept (Node and browsers generate it natively).
 */
export const portableKeyKernel: KeyKernel["Service"] = {
  name: NOBLE_KEY_KERNEL,
  supports: (type) => KEY_INFO[type].family !== "rsa",
  generateNow: (type) => KEY_INFO[type].family === "rsa" ? undefined : nobleGenerate(type),
  generate: (type) =>
    Effect.suspend(() => {
      let pair: KeyPair | undefined
      try {
        pair = nobleGenerate(type)
      } catch {
        return Effect.fail(keygenError(new GenerationFailed({ type, kernel: NOBLE_KEY_KERNEL })))
      }
      return pair === undefined
        ? Effect.fail(keygenError(new KeyTypeUnavailable({ type, kernel: NOBLE_KEY_KERNEL })))
        : Effect.succeed(pair)
    })
}

/**
 * A kernel that answers the types `first` supports from it and the rest from `rest`
 * (WebCrypto for what a browser has, noble for the others).
 */
export const preferring = (first: KeyKernel["Service"], rest: KeyKernel["Service"]): KeyKernel["Service"] => ({
  name: `${first.name}, else ${rest.name}`,
  supports: (type) => first.supports(type) || rest.supports(type),
  generate: (type) => first.supports(type) ? first.generate(type) : rest.generate(type),
  generateNow: (type) => first.supports(type) ? first.generateNow?.(type) : rest.generateNow?.(type),
  ...(first.sha256Into !== undefined ? { sha256Into: first.sha256Into } : rest.sha256Into !== undefined ? { sha256Into: rest.sha256Into } : {})
})

export const layerPortable: Layer.Layer<KeyKernel> = Layer.succeed(KeyKernel)(portableKeyKernel)
