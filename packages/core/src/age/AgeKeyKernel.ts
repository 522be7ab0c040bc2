import type { KeyPair, PublicKey } from "../keys/KeyPair.js"

export type RsaPublicKey = Extract<PublicKey, { readonly family: "rsa" }>
export type RsaKeyPair = Extract<KeyPair, { readonly family: "rsa" }>

/**
 * The primitives age's stanzas need that a platform does best (or that the neutral
 * libraries do not have): RSA-OAEP for `ssh-rsa` stanzas and scrypt for passphrases. Node
 * answers with node:crypto (node/NodeAgeKeyKernel.ts); a browser can answer with WebCrypto
 * (RSA-OAEP with a label) and hash-wasm (scrypt). Every other primitive of the stanzas is
 * noble's, neutral code.
 */
export interface AgeKeyKernel {
  /** Which implementation answers, for `doctor`, tests and errors. */
  readonly name: string
  /** RSAES-OAEP-ENCRYPT (RFC 8017 §7.1.1) with SHA-256 and MGF1-SHA-256, under `label`. */
  readonly rsaOaepEncrypt: (key: RsaPublicKey, label: Uint8Array, message: Uint8Array) => Promise<Uint8Array>
  /**
   * RSAES-OAEP-DECRYPT with the same parameters: the message, or undefined when the
   * ciphertext does not decrypt ("decryption error", RFC 8017 §7.1.2: one outcome, whatever
   * the cause, so no oracle is told which check failed).
   */
  readonly rsaOaepDecrypt: (pair: RsaKeyPair, label: Uint8Array, ciphertext: Uint8Array) => Promise<Uint8Array | undefined>
  /** scrypt (RFC 7914) with N = 2^logN, r = 8, p = 1: 32 bytes. Called with a logN already held to its maximum. */
  readonly scrypt: (passphrase: Uint8Array, salt: Uint8Array, logN: number) => Promise<Uint8Array>
  /**
   * True when `scrypt` runs off the calling thread by itself (Node: libuv's thread pool):
   * the engine then calls it rather than sending a derive task to a worker, so a
   * passphrase is tried without waiting for a worker to start. Otherwise (a page) scrypt
   * is a task on the pool, never on the calling thread.
   */
  readonly scryptOffThread?: boolean
  /**
   * X25519 (RFC 7748) where the platform has it natively (Node: OpenSSL): the shared secret
   * of `scalar` and `point`, or of `scalar` and the base point when `point` is undefined
   * (its public key); undefined for an all-zero shared secret (a low-order point). Without
   * it noble's answers, whose first calls in a process run cold (~10-20 ms each here).
   */
  readonly x25519?: (scalar: Uint8Array, point?: Uint8Array) => Uint8Array | undefined
}
