/**
 * HPKE's base mode (RFC 9180 §5.1, §5.2, §6.1) for the one suite age's hybrid type uses
 * [C2SP age §The MLKEM768-X25519 hybrid recipient type]: KEM MLKEM768-X25519 (0x647a,
 * draft-ietf-hpke-pq; its shared secret is noble's `ml_kem768_x25519`, the X-Wing
 * combiner), KDF HKDF-SHA256 (0x0001), AEAD ChaCha20Poly1305 (0x0003); one message, so
 * sequence number 0 and the base nonce itself.
 */
import { chacha20poly1305 } from "@noble/ciphers/chacha.js"
import { expand, extract } from "@noble/hashes/hkdf.js"
import { sha256 } from "@noble/hashes/sha2.js"
import { ascii, concatBytes } from "./wrapKey.js"

/** suite_id = "HPKE" ‖ I2OSP(kem_id, 2) ‖ I2OSP(kdf_id, 2) ‖ I2OSP(aead_id, 2) (RFC 9180 §5.1). */
const SUITE_ID = concatBytes(ascii("HPKE"), Uint8Array.of(0x64, 0x7a, 0x00, 0x01, 0x00, 0x03))
const VERSION = ascii("HPKE-v1")
const EMPTY = new Uint8Array(0)
const MODE_BASE = 0x00

/** LabeledExtract(salt, label, ikm) = Extract(salt, "HPKE-v1" ‖ suite_id ‖ label ‖ ikm) (RFC 9180 §4). */
export const labeledExtract = (salt: Uint8Array, label: string, ikm: Uint8Array): Uint8Array =>
  extract(sha256, concatBytes(VERSION, SUITE_ID, ascii(label), ikm), salt)

/** LabeledExpand(prk, label, info, L) = Expand(prk, I2OSP(L, 2) ‖ "HPKE-v1" ‖ suite_id ‖ label ‖ info, L). */
export const labeledExpand = (prk: Uint8Array, label: string, info: Uint8Array, length: number): Uint8Array =>
  expand(sha256, prk, concatBytes(Uint8Array.of(length >> 8, length & 0xff), VERSION, SUITE_ID, ascii(label), info), length)

/** KeySchedule(mode_base, shared_secret, info, psk = "", psk_id = "") (RFC 9180 §5.1): the AEAD key and base nonce. */
export const keySchedule = (sharedSecret: Uint8Array, info: Uint8Array): { readonly key: Uint8Array; readonly nonce: Uint8Array } => {
  const context = concatBytes(
    Uint8Array.of(MODE_BASE),
    labeledExtract(EMPTY, "psk_id_hash", EMPTY),
    labeledExtract(EMPTY, "info_hash", info)
  )
  const secret = labeledExtract(sharedSecret, "secret", EMPTY)
  const key = labeledExpand(secret, "key", context, 32)
  const nonce = labeledExpand(secret, "base_nonce", context, 12)
  secret.fill(0)
  return { key, nonce }
}

/** ContextS.Seal(aad = "", pt) for the first message: ChaCha20-Poly1305 under the schedule's key and base nonce. */
export const sealBase = (sharedSecret: Uint8Array, info: Uint8Array, plaintext: Uint8Array): Uint8Array => {
  const { key, nonce } = keySchedule(sharedSecret, info)
  try {
    return chacha20poly1305(key, nonce).encrypt(plaintext)
  } finally {
    key.fill(0)
  }
}

/** ContextR.Open(aad = "", ct) for the first message, or undefined where its tag does not verify. */
export const openBase = (sharedSecret: Uint8Array, info: Uint8Array, ciphertext: Uint8Array): Uint8Array | undefined => {
  const { key, nonce } = keySchedule(sharedSecret, info)
  try {
    return chacha20poly1305(key, nonce).decrypt(ciphertext)
  } catch {
    return undefined
  } finally {
    key.fill(0)
  }
}
