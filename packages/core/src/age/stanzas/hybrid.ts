/**
 * The MLKEM768-X25519 hybrid post-quantum recipient type of age 1.3 [C2SP age §The
 * MLKEM768-X25519 (i.e. X-Wing) hybrid post-quantum recipient type]:
 * `-> mlkem768x25519 <b64(enc, 1120 B)>`, body = HPKE SealBase(pkR = recipient,
 * info = "age-encryption.org/mlkem768x25519", aad = "", pt = file key) (hpke.ts).
 */
import { ml_kem768_x25519 } from "@noble/post-quantum/hybrid.js"
import { encodeBase64 } from "../base64.js"
import type { Stanza } from "../stanza.js"
import { openBase, sealBase } from "./hpke.js"
import { fileKeyResult, malformed, noMatch, type UnwrapResult } from "./result.js"
import { ascii, exactBase64, WRAPPED_KEY_BYTES } from "./wrapKey.js"

export const HYBRID_TYPE = "mlkem768x25519"
const INFO = ascii("age-encryption.org/mlkem768x25519")
/** enc = ML-KEM-768 ciphertext (1,088 bytes) ‖ X25519 ephemeral share (32). */
export const ENC_BYTES = 1120

/** A hybrid identity: its 32-byte seed (what `AGE-SECRET-KEY-PQ-1…` encodes). */
export interface HybridIdentity {
  readonly seed: Uint8Array
}

/** PrivateKeyToPublicKey(seed): ML-KEM-768's encapsulation key ‖ the X25519 public key (1,216 bytes). */
export const hybridPublicKey = (seed: Uint8Array): Uint8Array => {
  const { publicKey, secretKey } = ml_kem768_x25519.keygen(seed)
  if (secretKey !== seed) secretKey.fill(0)
  return publicKey
}

/** Whether `publicKey` is one encapsulation accepts (FIPS 203's modulus check on the ML-KEM part). */
export const isHybridPublicKey = (publicKey: Uint8Array): boolean => {
  try {
    ml_kem768_x25519.encapsulate(publicKey).sharedSecret.fill(0)
    return true
  } catch {
    return false
  }
}

export const wrap = (fileKey: Uint8Array, recipient: Uint8Array): Stanza => {
  const { cipherText, sharedSecret } = ml_kem768_x25519.encapsulate(recipient)
  const body = sealBase(sharedSecret, INFO, fileKey)
  sharedSecret.fill(0)
  return { type: HYBRID_TYPE, args: [encodeBase64(cipherText)], body }
}

/**
 * The file key from an mlkem768x25519 stanza: another type is no match; the wrong number
 * of arguments, an enc that is not the canonical base64 of 1,120 bytes, a body that is not
 * 32 bytes, or an X25519 share giving an all-zero secret (noble throws on it) reject the
 * header. ML-KEM rejects implicitly, so a wrong key shows only as a body that does not
 * open: no match.
 */
export const unwrap = (stanza: Stanza, identity: HybridIdentity): UnwrapResult => {
  if (stanza.type !== HYBRID_TYPE) return noMatch
  if (stanza.args.length !== 1) return malformed(HYBRID_TYPE, `${stanza.args.length + 1} arguments, not 2`)
  const enc = exactBase64(stanza.args[0]!, ENC_BYTES)
  if (enc === undefined) return malformed(HYBRID_TYPE, `the encapsulated key is not the canonical base64 of ${ENC_BYTES} bytes`)
  if (stanza.body.length !== WRAPPED_KEY_BYTES) return malformed(HYBRID_TYPE, `a body of ${stanza.body.length} bytes, not ${WRAPPED_KEY_BYTES}`)
  let sharedSecret: Uint8Array
  try {
    sharedSecret = ml_kem768_x25519.decapsulate(enc, identity.seed)
  } catch {
    return malformed(HYBRID_TYPE, "the X25519 share gives an all-zero shared secret (a low-order point)")
  }
  const fileKey = openBase(sharedSecret, INFO, stanza.body)
  sharedSecret.fill(0)
  return fileKey === undefined ? noMatch : fileKeyResult(fileKey)
}
