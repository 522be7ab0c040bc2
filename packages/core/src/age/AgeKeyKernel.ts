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
}
