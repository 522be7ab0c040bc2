/**
 * The X25519 recipient type [C2SP age §The X25519 recipient type]:
 * `-> X25519 <b64(ephemeral share)>`, body = ChaCha20-Poly1305(wrap key, file key), where
 * wrap key = HKDF-SHA-256(ikm = X25519(secret, peer), salt = share ‖ recipient,
 * info = "age-encryption.org/v1/X25519").
 */
import { x25519 } from "@noble/curves/ed25519.js"
import type { Stanza } from "../stanza.js"
import { fileKeyResult, malformed, noMatch, type UnwrapResult } from "./result.js"
import { ascii, concatBytes, exactBase64, hkdf32, isAllZero, openFileKey, randomBytes, sealFileKey, WRAPPED_KEY_BYTES } from "./wrapKey.js"
import { encodeBase64 } from "../base64.js"

export const X25519_TYPE = "X25519"

/** A platform's X25519 (`AgeKeyKernel.x25519`): noble's is used without one. */
export type X25519Dh = (scalar: Uint8Array, point?: Uint8Array) => Uint8Array | undefined
const INFO = ascii("age-encryption.org/v1/X25519")

/** An X25519 identity: the 32-byte secret and its public key, X25519(secret, 9). */
export interface X25519Identity {
  readonly secret: Uint8Array
  readonly publicKey: Uint8Array
}

/**
 * X25519(scalar, point), or undefined where the result is all zeros (a low-order or
 * identity point): noble throws on it ("invalid private or public key received"), and
 * the spec says to abort, never to try the next stanza.
 */
export const sharedSecret = (scalar: Uint8Array, point: Uint8Array, dh?: X25519Dh): Uint8Array | undefined => {
  if (dh !== undefined) return dh(scalar, point)
  try {
    const shared = x25519.getSharedSecret(scalar, point)
    return isAllZero(shared) ? undefined : shared
  } catch {
    return undefined
  }
}

/**
 * Whether a point gives an all-zero shared secret: one of low order (≤ 8), which every
 * clamped scalar (a multiple of 8) sends to zero, so any scalar tells. Such a recipient
 * would leave the file key readable by anyone: refused when a recipient is read.
 */
export const isLowOrder = (point: Uint8Array): boolean => sharedSecret(LOW_ORDER_PROBE, point) === undefined
const LOW_ORDER_PROBE = new Uint8Array(32).fill(0x5a)

/**
 * The stanza wrapping `fileKey` to `recipient` (a 32-byte X25519 public key) with the
 * given ephemeral secret. Only tests give one (to compare with fixed outputs): `wrap`
 * draws a new one for every stanza, as the spec requires.
 */
export const wrapWithEphemeral = (fileKey: Uint8Array, recipient: Uint8Array, ephemeral: Uint8Array, dh?: X25519Dh): Stanza => {
  const share = dh?.(ephemeral) ?? x25519.getPublicKey(ephemeral)
  const shared = sharedSecret(ephemeral, recipient, dh)
  if (shared === undefined) throw new Error("the X25519 recipient is a low-order point")
  const wrapKey = hkdf32(shared, concatBytes(share, recipient), INFO)
  shared.fill(0)
  const body = sealFileKey(wrapKey, fileKey)
  wrapKey.fill(0)
  return { type: X25519_TYPE, args: [encodeBase64(share)], body }
}

export const wrap = (fileKey: Uint8Array, recipient: Uint8Array, dh?: X25519Dh): Stanza => {
  const ephemeral = randomBytes(32)
  try {
    return wrapWithEphemeral(fileKey, recipient, ephemeral, dh)
  } finally {
    ephemeral.fill(0)
  }
}

/**
 * The file key from an X25519 stanza: another type is no match; the wrong number of
 * arguments, a share that is not the canonical base64 of 32 bytes, a body that is not 32
 * bytes (checked before decrypting: a partitioning oracle) or an all-zero shared secret
 * reject the header; a body that does not open is no match.
 */
export const unwrap = (stanza: Stanza, identity: X25519Identity, dh?: X25519Dh): UnwrapResult => {
  if (stanza.type !== X25519_TYPE) return noMatch
  if (stanza.args.length !== 1) return malformed(X25519_TYPE, `${stanza.args.length + 1} arguments, not 2`)
  const share = exactBase64(stanza.args[0]!, 32)
  if (share === undefined) return malformed(X25519_TYPE, "the share is not the canonical base64 of 32 bytes")
  if (stanza.body.length !== WRAPPED_KEY_BYTES) return malformed(X25519_TYPE, `a body of ${stanza.body.length} bytes, not ${WRAPPED_KEY_BYTES}`)
  const shared = sharedSecret(identity.secret, share, dh)
  if (shared === undefined) return malformed(X25519_TYPE, "the share gives an all-zero shared secret (a low-order point)")
  const wrapKey = hkdf32(shared, concatBytes(share, identity.publicKey), INFO)
  shared.fill(0)
  const fileKey = openFileKey(wrapKey, stanza.body)
  wrapKey.fill(0)
  return fileKey === undefined ? noMatch : fileKeyResult(fileKey)
}
