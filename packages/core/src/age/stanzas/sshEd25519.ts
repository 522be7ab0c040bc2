/**
 * SSH Ed25519 keys as age recipients and identities (agessh.go; not in the C2SP spec):
 * `-> ssh-ed25519 <tag> <b64(ephemeral share)>`, the X25519 stanza's construction on the
 * key's Montgomery form, with the shared secret tweaked by a scalar bound to the SSH key:
 *   tweak = HKDF-SHA-256(ikm = "", salt = SSH wire key, info = LABEL)
 *   shared = X25519(tweak, X25519(ephemeral, recipient's Montgomery u))
 *   wrap key = HKDF-SHA-256(shared, salt = share ‖ u, info = LABEL)
 * The identity's X25519 scalar is SHA-512(Ed25519 seed)[:32] (RFC 8032 §5.1.5's h, X25519 clamps it).
 */
import { ed25519, x25519 } from "@noble/curves/ed25519.js"
import { sha512 } from "@noble/hashes/sha2.js"
import type { KeyPair, PublicKey } from "../../keys/KeyPair.js"
import { publicBlob } from "../../keys/formats/openssh.js"
import { encodeBase64 } from "../base64.js"
import type { Stanza } from "../stanza.js"
import { fileKeyResult, malformed, noMatch, type UnwrapResult } from "./result.js"
import { sshTag } from "./sshTag.js"
import { sharedSecret } from "./x25519.js"
import { ascii, concatBytes, exactBase64, hkdf32, openFileKey, randomBytes, sealFileKey, WRAPPED_KEY_BYTES } from "./wrapKey.js"

export const SSH_ED25519_TYPE = "ssh-ed25519"
const LABEL = ascii("age-encryption.org/v1/ssh-ed25519")
const EMPTY = new Uint8Array(0)

export type Ed25519PublicKey = Extract<PublicKey, { readonly family: "okp" }>
export type Ed25519KeyPair = Extract<KeyPair, { readonly family: "okp" }>

const tweakOf = (key: PublicKey): Uint8Array => hkdf32(EMPTY, publicBlob(key), LABEL)

/** The key's Montgomery u (u = (1 + y) / (1 − y)), or undefined where the key is not a point. */
export const montgomeryOf = (key: Ed25519PublicKey): Uint8Array | undefined => {
  if (key.type !== "ed25519") return undefined
  try {
    return ed25519.utils.toMontgomery(key.publicKey)
  } catch {
    return undefined
  }
}

/** The stanza wrapping `fileKey` to an SSH Ed25519 public key (`montgomeryOf` it must be defined: recipients.ts checks it). */
export const wrap = (fileKey: Uint8Array, recipient: Ed25519PublicKey): Stanza => {
  const u = montgomeryOf(recipient)
  if (u === undefined) throw new Error("the ssh-ed25519 recipient is not a valid Ed25519 public key")
  const ephemeral = randomBytes(32)
  const share = x25519.getPublicKey(ephemeral)
  const plain = sharedSecret(ephemeral, u)
  ephemeral.fill(0)
  if (plain === undefined) throw new Error("the ssh-ed25519 recipient is a low-order point")
  const tweak = tweakOf(recipient)
  const shared = x25519.getSharedSecret(tweak, plain)
  plain.fill(0)
  tweak.fill(0)
  const wrapKey = hkdf32(shared, concatBytes(share, u), LABEL)
  shared.fill(0)
  const body = sealFileKey(wrapKey, fileKey)
  wrapKey.fill(0)
  return { type: SSH_ED25519_TYPE, args: [sshTag(recipient), encodeBase64(share)], body }
}

/**
 * The file key from an ssh-ed25519 stanza, as agessh reads it: another type is no match;
 * the wrong number of arguments or a share that is not 32 bytes is an error (checked
 * before the tag, as agessh does); another key's tag is no match; with our tag, a body that
 * does not open is an error, not a reason to try the next identity.
 */
export const unwrap = (stanza: Stanza, identity: Ed25519KeyPair): UnwrapResult => {
  if (stanza.type !== SSH_ED25519_TYPE) return noMatch
  if (stanza.args.length !== 2) return malformed(SSH_ED25519_TYPE, `${stanza.args.length + 1} arguments, not 3`)
  const share = exactBase64(stanza.args[1]!, 32)
  if (share === undefined) return malformed(SSH_ED25519_TYPE, "the share is not the canonical base64 of 32 bytes")
  if (stanza.args[0] !== sshTag(identity)) return noMatch
  if (stanza.body.length !== WRAPPED_KEY_BYTES) return malformed(SSH_ED25519_TYPE, `a body of ${stanza.body.length} bytes, not ${WRAPPED_KEY_BYTES}`)
  const scalar = sha512(identity.seed).subarray(0, 32)
  const ourU = x25519.getPublicKey(scalar)
  const plain = sharedSecret(scalar, share)
  scalar.fill(0)
  if (plain === undefined) return malformed(SSH_ED25519_TYPE, "the share gives an all-zero shared secret (a low-order point)")
  const tweak = tweakOf(identity)
  const shared = x25519.getSharedSecret(tweak, plain)
  plain.fill(0)
  tweak.fill(0)
  const wrapKey = hkdf32(shared, concatBytes(share, ourU), LABEL)
  shared.fill(0)
  const fileKey = openFileKey(wrapKey, stanza.body)
  wrapKey.fill(0)
  return fileKey === undefined ? { _tag: "Undecryptable", stanza: SSH_ED25519_TYPE } : fileKeyResult(fileKey)
}
