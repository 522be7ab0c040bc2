/**
 * `sluice keygen --seal-to`'s primitives in Node (`SealKernel`): libsodium's X25519
 * (`crypto_scalarmult`, `crypto_scalarmult_base`), the fastest ChaCha20-Poly1305 here
 * (`nodeAead`) and libsodium's CSPRNG; noble's X25519 and `crypto.getRandomValues` where
 * sodium-native does not load (`SLUICE_NATIVE=0`, a platform without its binary).
 * Measured here (one thread, a whole sealed Ed25519 OpenSSH key): see NodeSealKernel.test.ts.
 */
import * as crypto from "node:crypto"
import { nobleSealKernel, type SealKernel } from "../age/sealKey.js"
import { nodeAead } from "./NodeAgeAead.js"
import { NATIVE_SODIUM_IMPLEMENTATION, nativeSodium } from "./nativeSodium.js"

const isAllZero = (bytes: Uint8Array): boolean => {
  let acc = 0
  for (let i = 0; i < bytes.length; i++) acc |= bytes[i]!
  return acc === 0
}

/** HKDF-SHA-256 (L = 32) and HMAC-SHA-256 from OpenSSL: a few µs a call, against ~30-40 µs in noble here. */
const hkdf = (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array): Uint8Array => new Uint8Array(crypto.hkdfSync("sha256", ikm, salt, info, 32))
const hmac = (key: Uint8Array, data: Uint8Array): Uint8Array => {
  const mac = crypto.createHmac("sha256", key).update(data).digest()
  const out = new Uint8Array(mac)
  mac.fill(0)
  return out
}

/** RFC 8410's DER around a raw X25519 key: PKCS#8 (private) and SPKI (public) prefixes. */
const PKCS8_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex")
const SPKI_PREFIX = Buffer.from("302a300506032b656e032100", "hex")

/**
 * X25519 through node:crypto's KeyObjects (`diffieHellman`), for a Node without
 * sodium-native: each call imports the scalar and the point from DER. OpenSSL refuses an
 * all-zero result itself.
 */
const nodeCryptoX25519 = {
  x25519: (out: Uint8Array, scalar: Uint8Array, point: Uint8Array): boolean => {
    const der = Buffer.concat([PKCS8_PREFIX, scalar])
    try {
      const privateKey = crypto.createPrivateKey({ key: der, format: "der", type: "pkcs8" })
      const publicKey = crypto.createPublicKey({ key: Buffer.concat([SPKI_PREFIX, point]), format: "der", type: "spki" })
      const shared = crypto.diffieHellman({ privateKey, publicKey })
      out.set(shared)
      shared.fill(0)
    } catch {
      out.fill(0)
      return false
    } finally {
      der.fill(0)
    }
    return !isAllZero(out)
  },
  x25519Base: (out: Uint8Array, scalar: Uint8Array): void => {
    const der = Buffer.concat([PKCS8_PREFIX, scalar])
    try {
      const spki = crypto.createPublicKey(crypto.createPrivateKey({ key: der, format: "der", type: "pkcs8" })).export({ format: "der", type: "spki" })
      out.set(spki.subarray(SPKI_PREFIX.length))
    } finally {
      der.fill(0)
    }
  }
}

/**
 * The kernel: libsodium's X25519 and CSPRNG where sodium-native loads (`native` not false),
 * else node:crypto's X25519 (or noble's, `x25519: "noble"`, for comparison); OpenSSL's
 * HKDF and HMAC; the fastest AEAD (`nodeAead`).
 */
export const makeNodeSealKernel = (options: { readonly native?: boolean; readonly x25519?: "noble" } = {}): SealKernel => {
  const sodium = options.native === false ? undefined : nativeSodium()
  const aead = nodeAead(options)
  if (sodium === undefined) {
    const random = (out: Uint8Array) => {
      crypto.randomFillSync(out)
    }
    return options.x25519 === "noble"
      ? { ...nobleSealKernel, name: `${nobleSealKernel.name} X25519, ${aead.name}`, aead, hkdf, hmac }
      : { name: `node:crypto X25519, ${aead.name}`, ...nodeCryptoX25519, aead, random, hkdf, hmac }
  }
  return {
    hkdf,
    hmac,
    name: `${NATIVE_SODIUM_IMPLEMENTATION} X25519, ${aead.name}`,
    x25519: (out, scalar, point) => {
      try {
        sodium.crypto_scalarmult(out, scalar, point)
      } catch {
        out.fill(0)
        return false
      }
      return !isAllZero(out)
    },
    x25519Base: (out, scalar) => sodium.crypto_scalarmult_base(out, scalar),
    aead,
    random: (out) => sodium.randombytes_buf(out)
  }
}
