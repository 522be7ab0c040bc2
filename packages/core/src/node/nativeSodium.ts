import { nativeAddon } from "./nativeAddon.js"

/**
 * `sodium-native`: libsodium as a Node addon whose prebuilt binaries ship inside the npm
 * package (prebuilds/<platform>-<arch>): nothing is compiled or downloaded at install.
 * Measured here (Node 24, one thread): an Ed25519 key pair ~16.5 µs and an X25519 public
 * key ~16.4 µs, against ~37 µs for node:crypto's `generateKeyPairSync('ed25519')` and
 * ~67 µs with the raw exports a kernel needs. Loads and answers the same in worker threads.
 *
 * Loaded with `require` on first use, so bundles leave it out (a native binary cannot be
 * bundled) and a platform without a binary, or `SLUICE_NATIVE=0`, gets `undefined`: the key
 * kernel then falls back to node:crypto.
 */
export interface NativeSodium {
  /** crypto_sign_keypair: `sk` (64 bytes) = seed ‖ public key, `pk` (32) the public key. */
  readonly crypto_sign_keypair: (pk: Uint8Array, sk: Uint8Array) => void
  /** crypto_scalarmult_base: the X25519 public key of the (clamped) scalar `n`. */
  readonly crypto_scalarmult_base: (q: Uint8Array, n: Uint8Array) => void
  /** crypto_scalarmult: X25519(`n`, `p`) into `q`; throws where the result is all zeros (a low-order `p`). */
  readonly crypto_scalarmult: (q: Uint8Array, n: Uint8Array, p: Uint8Array) => void
  /** crypto_hash_sha256: SHA-256 of `input` into `out` (32 bytes). */
  readonly crypto_hash_sha256: (out: Uint8Array, input: Uint8Array) => void
  /**
   * crypto_aead_chacha20poly1305_ietf_encrypt: ChaCha20-Poly1305 [RFC 8439] of `m` into `c`
   * (`m.byteLength + 16`); `nsec` is always null. Returns the bytes written.
   */
  readonly crypto_aead_chacha20poly1305_ietf_encrypt: (
    c: Uint8Array,
    m: Uint8Array,
    ad: Uint8Array | null,
    nsec: null,
    npub: Uint8Array,
    k: Uint8Array
  ) => number
  /** crypto_aead_chacha20poly1305_ietf_decrypt: opens `c` into `m` (`c.byteLength - 16`); throws when the tag does not verify. */
  readonly crypto_aead_chacha20poly1305_ietf_decrypt: (
    m: Uint8Array,
    nsec: null,
    c: Uint8Array,
    ad: Uint8Array | null,
    npub: Uint8Array,
    k: Uint8Array
  ) => number
  /** randombytes_buf: libsodium's CSPRNG (getrandom(2) on Linux). */
  readonly randombytes_buf: (buffer: Uint8Array) => void
}

/** libsodium, or undefined where it does not load; one key is made to see that it answers. */
export const nativeSodium = nativeAddon<NativeSodium>("sodium-native", (sodium) => {
  const pk = new Uint8Array(32)
  const sk = new Uint8Array(64)
  sodium.crypto_sign_keypair(pk, sk)
  sk.fill(0)
})

/** The package's version, for `doctor` and the kernel's name. */
export const NATIVE_SODIUM_IMPLEMENTATION = "sodium-native@5.1.0 (libsodium)"
