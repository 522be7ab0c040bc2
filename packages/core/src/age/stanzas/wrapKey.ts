/**
 * What every native recipient type shares [C2SP age §X25519, §scrypt]: a 16-byte file key
 * sealed with ChaCha20-Poly1305 under a one-time wrap key and a nonce of 12 zero bytes, so
 * a wrapped key is 32 bytes; HKDF-SHA-256 with L = 32; arguments in canonical base64.
 */
import { chacha20poly1305 } from "@noble/ciphers/chacha.js"
import { hkdf } from "@noble/hashes/hkdf.js"
import { sha256 } from "@noble/hashes/sha2.js"
import { decodeBase64 } from "../base64.js"

export const FILE_KEY_BYTES = 16
/** A file key sealed: the key and Poly1305's 16-byte tag. */
export const WRAPPED_KEY_BYTES = 32

const ZERO_NONCE = new Uint8Array(12)

const encoder = new TextEncoder()
export const ascii = (text: string): Uint8Array => encoder.encode(text)

/** The file key sealed under `wrapKey` (each wrap key is used once: it is derived from fresh randomness). */
export const sealFileKey = (wrapKey: Uint8Array, fileKey: Uint8Array): Uint8Array => {
  if (fileKey.length !== FILE_KEY_BYTES) throw new Error(`a file key is ${FILE_KEY_BYTES} bytes, not ${fileKey.length}`)
  return chacha20poly1305(wrapKey, ZERO_NONCE).encrypt(fileKey)
}

/** The file key in a 32-byte body, or undefined where its tag does not verify under `wrapKey`. */
export const openFileKey = (wrapKey: Uint8Array, body: Uint8Array): Uint8Array | undefined => {
  try {
    return chacha20poly1305(wrapKey, ZERO_NONCE).decrypt(body)
  } catch {
    return undefined
  }
}

/** HKDF-SHA-256 (RFC 5869) with L = 32, as every age derivation uses it. */
export const hkdf32 = (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array): Uint8Array => hkdf(sha256, ikm, salt, info, 32)

/** An argument that must be the canonical base64 of exactly `length` bytes, or undefined. */
export const exactBase64 = (text: string, length: number): Uint8Array | undefined => {
  const bytes = decodeBase64(text)
  return bytes !== undefined && bytes.length === length ? bytes : undefined
}

/** Byte strings joined (keys' DER helper: one copy, in an ArrayBuffer of its own). */
export { concat as concatBytes } from "../../keys/der.js"

/** Constant-time equality of two byte strings of public length: the header MAC's own. */
export { constantTimeEqual as equalBytes } from "../keySchedule.js"

export const isAllZero = (bytes: Uint8Array): boolean => {
  let acc = 0
  for (const b of bytes) acc |= b
  return acc === 0
}

/** Fresh bytes from the platform's CSPRNG. */
export const randomBytes = (length: number): Uint8Array => crypto.getRandomValues(new Uint8Array(length))
