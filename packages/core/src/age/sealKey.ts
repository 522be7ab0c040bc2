/**
 * Small secrets (a private key file, a few hundred bytes to a few KiB) sealed as whole age
 * files in memory, for `sluice keygen --seal-to` (design §5.5, step 11): a fresh file key,
 * one stanza per recipient (X25519 or MLKEM768-X25519: age's no-mixing rule holds), the
 * header and its MAC, a fresh nonce, then the payload's chunks [C2SP age §Header, §Payload].
 * A key file is one chunk; a larger input is cut as STREAM cuts it.
 *
 * Neutral: the X25519 scalar multiplication, the ChaCha20-Poly1305 and the random bytes come
 * from a `SealKernel` a platform injects (libsodium in Node: a wrap is one DH of ~50 µs there
 * against ~1 ms in noble), noble's anywhere else. Everything derived from the file key is
 * wiped once used; the file key too.
 */
import { x25519 } from "@noble/curves/ed25519.js"
import { hmac } from "@noble/hashes/hmac.js"
import { sha256 } from "@noble/hashes/sha2.js"
import { HYBRID_PUBLIC_KEY_BYTES } from "../keys/formats/age.js"
import { encodeBase64 } from "./base64.js"
import { encodeHeader, NONCE_SIZE } from "./header.js"
import { FILE_KEY_SIZE } from "./keySchedule.js"
import { nobleAead } from "./nobleAead.js"
import type { Stanza } from "./stanza.js"
import * as Hybrid from "./stanzas/hybrid.js"
import { ascii, concatBytes, hkdf32, isAllZero, WRAPPED_KEY_BYTES } from "./stanzas/wrapKey.js"
import { X25519_TYPE } from "./stanzas/x25519.js"
import { type Aead, CHUNK_SIZE, chunkCount, chunkNonce, TAG_SIZE } from "./stream.js"

/** A recipient a key can be sealed to: age's native types (no SSH, no passphrase: no prompt, no scrypt per key). */
export type SealRecipient =
  | { readonly kind: "X25519"; readonly publicKey: Uint8Array }
  | { readonly kind: "mlkem768x25519"; readonly publicKey: Uint8Array }

/** The primitives sealing needs that a platform may do faster than noble. */
export interface SealKernel {
  /** Names the implementation (benchmarks, `doctor`). */
  readonly name: string
  /** X25519(scalar, point) into `out` (32 bytes); false where the result is all zeros (a low-order point). */
  readonly x25519: (out: Uint8Array, scalar: Uint8Array, point: Uint8Array) => boolean
  /** X25519(scalar, 9): the public key of `scalar`, into `out`. */
  readonly x25519Base: (out: Uint8Array, scalar: Uint8Array) => void
  readonly aead: Aead
  /** Fills `out` from the platform's CSPRNG. */
  readonly random: (out: Uint8Array) => void
  /** HKDF-SHA-256 with L = 32 (noble's when absent: ~30-40 µs a call here, node:crypto's a few). */
  readonly hkdf?: (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array) => Uint8Array
  /** HMAC-SHA-256 (noble's when absent). */
  readonly hmac?: (key: Uint8Array, data: Uint8Array) => Uint8Array
}

/** noble's X25519 and ChaCha20-Poly1305, `crypto.getRandomValues`: every platform. */
export const nobleSealKernel: SealKernel = {
  name: "@noble/curves, @noble/ciphers",
  x25519: (out, scalar, point) => {
    try {
      out.set(x25519.getSharedSecret(scalar, point))
    } catch {
      return false
    }
    return !isAllZero(out)
  },
  x25519Base: (out, scalar) => out.set(x25519.getPublicKey(scalar)),
  aead: nobleAead,
  random: (out) => {
    crypto.getRandomValues(out)
  }
}

const X25519_INFO = ascii("age-encryption.org/v1/X25519")
const HEADER_INFO = ascii("header")
const PAYLOAD_INFO = ascii("payload")
const EMPTY = new Uint8Array(0)
const nobleHmac = (key: Uint8Array, data: Uint8Array): Uint8Array => hmac(sha256, key, data)
const ZERO_NONCE = new Uint8Array(12)

/**
 * age's refusal (age.go `incompatibleLabelsError`), as recipients.ts's `MIXED_PQ_MESSAGE` (a
 * test keeps them equal): not imported from there, so the keygen worker's chunk, which
 * loads this module, does not load every recipient type (SSH, scrypt) with it.
 */
export const MIXED_PQ_MESSAGE =
  "incompatible recipients: can't mix post-quantum and classic recipients, or the file would be vulnerable to quantum computers"

/** Why recipients cannot seal: none, a mix age refuses, or one of another kind. */
export const sealRecipientsProblem = (recipients: ReadonlyArray<SealRecipient>): string | undefined => {
  if (recipients.length === 0) return "no recipients to seal to"
  for (const r of recipients) {
    if (r.kind !== "X25519" && r.kind !== "mlkem768x25519") return `a recipient of type ${String((r as { kind: unknown }).kind)}, which keys are not sealed to`
    if (r.publicKey.length !== (r.kind === "X25519" ? 32 : HYBRID_PUBLIC_KEY_BYTES)) return `a ${r.kind} recipient of ${r.publicKey.length} bytes`
  }
  const pq = recipients.some((r) => r.kind === "mlkem768x25519")
  return pq && recipients.some((r) => r.kind !== "mlkem768x25519") ? MIXED_PQ_MESSAGE : undefined
}

/** The X25519 stanza of `fileKey` for `recipient`, through the kernel; its ephemeral secret, shared secret and wrap key wiped. */
const wrapX25519 = (kernel: SealKernel, fileKey: Uint8Array, recipient: Uint8Array): Stanza => {
  const scratch = new Uint8Array(64)
  const ephemeral = scratch.subarray(0, 32)
  const shared = scratch.subarray(32, 64)
  const share = new Uint8Array(32)
  try {
    kernel.random(ephemeral)
    kernel.x25519Base(share, ephemeral)
    if (!kernel.x25519(shared, ephemeral, recipient)) throw new Error("the X25519 recipient is a low-order point")
    const wrapKey = (kernel.hkdf ?? hkdf32)(shared, concatBytes(share, recipient), X25519_INFO)
    const body = new Uint8Array(WRAPPED_KEY_BYTES)
    try {
      kernel.aead.seal(wrapKey, ZERO_NONCE, fileKey, body)
    } finally {
      wrapKey.fill(0)
    }
    return { type: X25519_TYPE, args: [encodeBase64(share)], body }
  } finally {
    scratch.fill(0)
  }
}

/**
 * `plaintext` as a whole age file (binary: header, nonce, payload) that `age -d -i` opens
 * with an identity of any one of `recipients`. The caller checks the recipients once
 * (`sealRecipientsProblem`); the plaintext stays the caller's to wipe.
 */
export const sealToAge = (plaintext: Uint8Array, recipients: ReadonlyArray<SealRecipient>, kernel: SealKernel = nobleSealKernel): Uint8Array<ArrayBuffer> => {
  const fileKey = new Uint8Array(FILE_KEY_SIZE)
  const nonce = new Uint8Array(NONCE_SIZE)
  let key: Uint8Array | undefined
  try {
    kernel.random(fileKey)
    const stanzas = recipients.map((r) => r.kind === "X25519" ? wrapX25519(kernel, fileKey, r.publicKey) : Hybrid.wrap(fileKey, r.publicKey))
    // [C2SP age §Header MAC, §Payload] as keySchedule.ts has them, through the kernel's HKDF and HMAC.
    const hkdf = kernel.hkdf ?? hkdf32
    const header = encodeHeader(stanzas, (macInput) => {
      const macKey = hkdf(fileKey, EMPTY, HEADER_INFO)
      try {
        return (kernel.hmac ?? nobleHmac)(macKey, macInput)
      } finally {
        macKey.fill(0)
      }
    })
    kernel.random(nonce)
    key = hkdf(fileKey, nonce, PAYLOAD_INFO)
    const chunks = chunkCount(plaintext.length)
    const out = new Uint8Array(header.length + NONCE_SIZE + plaintext.length + chunks * TAG_SIZE)
    out.set(header)
    out.set(nonce, header.length)
    const chunkNonceBytes = new Uint8Array(12)
    let at = header.length + NONCE_SIZE
    for (let i = 0; i < chunks; i++) {
      const piece = plaintext.subarray(i * CHUNK_SIZE, Math.min(plaintext.length, (i + 1) * CHUNK_SIZE))
      kernel.aead.seal(key, chunkNonce(i, i === chunks - 1, chunkNonceBytes), piece, out.subarray(at, at + piece.length + TAG_SIZE))
      at += piece.length + TAG_SIZE
    }
    return out
  } finally {
    fileKey.fill(0)
    key?.fill(0)
  }
}
