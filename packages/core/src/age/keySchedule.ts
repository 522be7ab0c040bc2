/**
 * age's keys derived from the file key [C2SP age §Header MAC, §Payload]: HKDF-SHA-256
 * (Extract then Expand, 32 bytes) with @noble/hashes, which every platform has. The header
 * MAC is HMAC-SHA-256 over the header's raw bytes, compared in constant time.
 */
import { hkdf } from "@noble/hashes/hkdf.js"
import { hmac } from "@noble/hashes/hmac.js"
import { sha256 } from "@noble/hashes/sha2.js"
import { NONCE_SIZE } from "./headerFormat.js"

/** The file key: 16 random bytes, one per file [C2SP age §File key]. */
export const FILE_KEY_SIZE = 16

const ascii = (text: string) => new TextEncoder().encode(text)
const HEADER_INFO = ascii("header")
const PAYLOAD_INFO = ascii("payload")

const checkFileKey = (fileKey: Uint8Array) => {
  if (fileKey.length !== FILE_KEY_SIZE) throw new RangeError(`an age file key has ${FILE_KEY_SIZE} bytes`)
}

/** HKDF-SHA-256(ikm, salt, info), 32 bytes. */
export const hkdfSha256 = (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array): Uint8Array => hkdf(sha256, ikm, salt, info, 32)

/** The header MAC's key: HKDF(ikm = file key, salt = empty, info = "header"). */
export const headerMacKey = (fileKey: Uint8Array): Uint8Array => {
  checkFileKey(fileKey)
  return hkdfSha256(fileKey, new Uint8Array(0), HEADER_INFO)
}

/** The header's MAC: HMAC-SHA-256 under `headerMacKey(fileKey)` of the header up to and including `---`. */
export const headerMac = (fileKey: Uint8Array, macInput: Uint8Array): Uint8Array => {
  const key = headerMacKey(fileKey)
  try {
    return hmac(sha256, key, macInput)
  } finally {
    key.fill(0)
  }
}

/** Equal lengths and bytes, in time that depends on the length only. */
export const constantTimeEqual = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false
  let difference = 0
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!
  return difference === 0
}

/** Whether `mac` is the header's MAC under `fileKey`, compared in constant time. */
export const verifyHeaderMac = (fileKey: Uint8Array, macInput: Uint8Array, mac: Uint8Array): boolean =>
  constantTimeEqual(headerMac(fileKey, macInput), mac)

/** The payload key: HKDF(ikm = file key, salt = the header's 16-byte nonce, info = "payload"). */
export const payloadKey = (fileKey: Uint8Array, nonce: Uint8Array): Uint8Array => {
  checkFileKey(fileKey)
  if (nonce.length !== NONCE_SIZE) throw new RangeError(`the payload nonce has ${NONCE_SIZE} bytes`)
  return hkdfSha256(fileKey, nonce, PAYLOAD_INFO)
}
