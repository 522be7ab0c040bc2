import { Effect, Layer } from "effect"
import * as crypto from "node:crypto"
import { type Bytes, padTo } from "../keys/der.js"
import { parsePkcs8Der } from "../keys/formats/pkcs8.js"
import { GenerationFailed, keygenError, KeyTypeUnavailable } from "../keys/KeyError.js"
import { KeyKernel } from "../keys/KeyKernel.js"
import type { KeyPair } from "../keys/KeyPair.js"
import { KEY_INFO, type KeyType } from "../keys/KeyType.js"
import { NATIVE_SODIUM_IMPLEMENTATION, type NativeSodium, nativeSodium } from "./nativeSodium.js"

/**
 * node:crypto (OpenSSL): every type, ML-DSA and ML-KEM with OpenSSL 3.5 (Node 24).
 * `generateKeyPair` runs on libuv's thread pool, so the worker's own thread stays free to
 * hear an interrupt during a long RSA prime search. The parts are read from the key's DER.
 */
const nodeType = (type: KeyType): { readonly name: string; readonly options: object } => {
  const info = KEY_INFO[type]
  switch (info.family) {
    case "okp":
      return { name: type, options: {} }
    case "ec":
      return { name: "ec", options: { namedCurve: info.crv } }
    case "rsa":
      return { name: "rsa", options: { modulusLength: info.bits, publicExponent: 65537 } }
    case "pq":
      return { name: type, options: {} }
  }
}

/** Node 24's raw exports (not yet in @types/node): a Buffer of the bare key. */
const raw = (key: crypto.KeyObject, format: "raw-private" | "raw-public" | "raw-seed"): Buffer =>
  key.export({ format } as unknown as crypto.KeyExportOptions<"der">)

/** A copy of a Buffer that owns its ArrayBuffer, and the Buffer wiped. */
const take = (buffer: Buffer): Bytes => {
  const out = new Uint8Array(buffer)
  buffer.fill(0)
  return out
}

/**
 * The parts of a node:crypto key pair, as Buffers that are wiped once copied out (a JWK
 * export would leave the secret in strings, which cannot be wiped): Node 24's raw exports
 * for the curves and ML-* (the private scalar or seed, the public key), and the PKCS#8 DER
 * for RSA, read by Sluice's own reader. Raw exports cost 2-30 µs a key here; DER 30-50.
 */
export const partsOf = (type: KeyType, privateKey: crypto.KeyObject, publicKey: crypto.KeyObject): KeyPair => {
  const info = KEY_INFO[type]
  switch (info.family) {
    case "okp":
      return { family: "okp", type: type as "ed25519", seed: take(raw(privateKey, "raw-private")), publicKey: take(raw(publicKey, "raw-public")) }
    case "ec": {
      const d = raw(privateKey, "raw-private")
      const scalar = padTo(d, info.size)
      d.fill(0)
      const point = take(raw(publicKey, "raw-public"))
      if (point.length !== 1 + 2 * info.size || point[0] !== 4) throw new Error("unexpected public key encoding")
      return { family: "ec", type: type as "ecdsa-p256", d: scalar, publicKey: point }
    }
    case "pq": {
      const seed = take(raw(privateKey, "raw-seed"))
      if (seed.length !== info.seedBytes) throw new Error("unexpected seed size")
      return { family: "pq", type: type as "ml-dsa-44", seed, publicKey: take(raw(publicKey, "raw-public")) }
    }
    case "rsa": {
      const der = privateKey.export({ type: "pkcs8", format: "der" })
      try {
        const pair = parsePkcs8Der(der)
        if (pair.type !== type) throw new Error("unexpected key size")
        return pair
      } finally {
        der.fill(0)
      }
    }
  }
}

const supported = (type: KeyType): boolean => {
  const { name } = nodeType(type)
  return name === "ec" || name === "rsa" || probe(name)
}

const probed = new Map<string, boolean>()
/** Whether this Node's OpenSSL has the type (ML-* need OpenSSL 3.5): asked once. */
const probe = (name: string): boolean => {
  let known = probed.get(name)
  if (known === undefined) {
    try {
      crypto.generateKeyPairSync(name as "ed25519")
      known = true
    } catch {
      known = false
    }
    probed.set(name, known)
  }
  return known
}

/** OpenSSL's names of the curves, for `createECDH`. */
const ECDH_CURVES: Readonly<Record<string, string>> = { "P-256": "prime256v1", "P-384": "secp384r1", "P-521": "secp521r1" }

/**
 * An EC key pair at once, from one `ECDH` object per curve, reused: each `generateKeys`
 * makes a new key with OpenSSL's generator (a private scalar drawn in [1, n-1] from its
 * CSPRNG, the point computed from it) over the one before, which OpenSSL clears. No
 * KeyObject and no export: measured for P-256, ~30 µs a key against ~58 µs for
 * `generateKeyPairSync` and its two raw exports, most of it in creating and exporting
 * the KeyObjects (and collecting them).
 */
const ecdhs = new Map<string, crypto.ECDH>()
const ecNow = (type: KeyType, crv: string, size: number): KeyPair => {
  let ecdh = ecdhs.get(crv)
  if (ecdh === undefined) ecdhs.set(crv, ecdh = crypto.createECDH(ECDH_CURVES[crv]!))
  const point = take(ecdh.generateKeys())
  const d = ecdh.getPrivateKey()
  const scalar = padTo(d, size)
  d.fill(0)
  if (point.length !== 1 + 2 * size || point[0] !== 4) throw new Error("unexpected public key encoding")
  return { family: "ec", type: type as "ecdsa-p256", d: scalar, publicKey: point }
}

/**
 * Ed25519 and X25519 at once from libsodium (`nativeSodium`): ~16.5 µs a key against
 * ~67 µs for node:crypto's pair and raw exports, with no KeyObject to collect. The seed
 * and public key are views of one new array of the key's own (nothing from a pool).
 * Ed25519: crypto_sign_keypair's secret key is seed ‖ public key (RFC 8032 §5.1.5's
 * private key is the seed). X25519: 32 bytes from libsodium's CSPRNG are the private key
 * (RFC 7748 §5: clamped when used, as age and OpenSSL do), its public key from
 * crypto_scalarmult_base.
 */
const okpNow = (sodium: NativeSodium, type: "ed25519" | "x25519"): KeyPair => {
  const bytes = new Uint8Array(96)
  const seed = bytes.subarray(0, 32)
  const publicKey = bytes.subarray(64, 96)
  if (type === "ed25519") {
    sodium.crypto_sign_keypair(publicKey, bytes.subarray(0, 64))
    // The secret key's second half is the public key: not a secret, but not kept twice.
    bytes.fill(0, 32, 64)
  } else {
    sodium.randombytes_buf(seed)
    sodium.crypto_scalarmult_base(publicKey, seed)
  }
  return { family: "okp", type, seed, publicKey }
}

export const kernelName = (): string =>
  nativeSodium() === undefined
    ? `node:crypto (OpenSSL ${process.versions.openssl})`
    : `${NATIVE_SODIUM_IMPLEMENTATION} for Ed25519 and X25519, node:crypto (OpenSSL ${process.versions.openssl}) for the rest`

/**
 * The kernel; `native: false` leaves libsodium out (node:crypto for every type), as
 * `SLUICE_NATIVE=0` or a platform without its binary does.
 */
export const make = (options: { readonly native?: boolean } = {}): KeyKernel["Service"] => {
  const sodium = options.native === false ? undefined : nativeSodium()
  const name = sodium === undefined
    ? `node:crypto (OpenSSL ${process.versions.openssl})`
    : kernelName()
  return {
    name,
    supports: supported,
    // Fingerprints in bulk: libsodium's SHA-256 writes into the caller's 32 bytes (~0.3 µs
    // for a key's 51-byte blob, no object); node:crypto's `hash` makes a Buffer a call.
    sha256Into: sodium !== undefined
      ? (data, out) => sodium.crypto_hash_sha256(out, data)
      : (data, out) => out.set(crypto.hash("sha256", data, "buffer")),
    // The curves and ML-* at once on this thread (2-100 µs); RSA only through libuv's pool.
    generateNow: (type) => {
      const info = KEY_INFO[type]
      if (info.family === "ec") return ecNow(type, info.crv, info.size)
      if (info.family === "okp" && sodium !== undefined) return okpNow(sodium, type as "ed25519")
      if (info.family === "rsa" || !supported(type)) return undefined
      const { name: nodeName, options } = nodeType(type)
      const { privateKey, publicKey } = crypto.generateKeyPairSync(nodeName as "ed25519", options as crypto.ED25519KeyPairKeyObjectOptions)
      return partsOf(type, privateKey, publicKey)
    },
    generate: (type) =>
      Effect.suspend(() => {
        if (!supported(type)) return Effect.fail(keygenError(new KeyTypeUnavailable({ type, kernel: name })))
        const { name: nodeName, options } = nodeType(type)
        return Effect.callback<KeyPair, ReturnType<typeof keygenError>>((resume) => {
          crypto.generateKeyPair(nodeName as "rsa", options as crypto.RSAKeyPairKeyObjectOptions, (error, publicKey, privateKey) => {
            if (error) return resume(Effect.fail(keygenError(new GenerationFailed({ type, kernel: name }))))
            try {
              resume(Effect.succeed(partsOf(type, privateKey, publicKey)))
            } catch {
              resume(Effect.fail(keygenError(new GenerationFailed({ type, kernel: name }))))
            }
          })
        })
      })
  }
}

export const layer: Layer.Layer<KeyKernel> = Layer.sync(KeyKernel)(make)
