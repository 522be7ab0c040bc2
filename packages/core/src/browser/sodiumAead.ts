/**
 * ChaCha20-Poly1305 (IETF, RFC 8439) from libsodium compiled to WebAssembly
 * (libsodium-wrappers): ~2.4x noble's speed per core (design §4), the browser workers'
 * kernel for age's STREAM. Loaded only when a worker's first age task arrives; where
 * WebAssembly cannot start (no WebAssembly, a policy without `wasm-unsafe-eval`) the
 * caller falls back to noble.
 */
import { type Aead, checkAeadSizes, TAG_SIZE } from "../age/stream.js"

type Sodium = typeof import("libsodium-wrappers").default

/** The kernel over a ready libsodium: each call copies into its heap and back, and `open` never throws for a bad tag. */
export const wasmSodiumAead = (sodium: Sodium): Aead => ({
  name: "libsodium-wrappers (WebAssembly)",
  seal: (key, nonce, plaintext, out, aad) => {
    checkAeadSizes(key, nonce, out, plaintext.length + TAG_SIZE)
    out.set(sodium.crypto_aead_chacha20poly1305_ietf_encrypt(plaintext, aad ?? null, null, nonce, key))
  },
  open: (key, nonce, ciphertext, out, aad) => {
    checkAeadSizes(key, nonce, out, ciphertext.length - TAG_SIZE)
    let opened: Uint8Array
    try {
      opened = sodium.crypto_aead_chacha20poly1305_ietf_decrypt(null, ciphertext, aad ?? null, nonce, key)
    } catch {
      return false
    }
    out.set(opened)
    opened.fill(0)
    return true
  }
})

/** libsodium's kernel once its WebAssembly has started, or undefined where it cannot. */
export const loadSodiumAead = async (): Promise<Aead | undefined> => {
  if (typeof (globalThis as { readonly WebAssembly?: unknown }).WebAssembly !== "object") return undefined
  try {
    const sodium = (await import("libsodium-wrappers")).default
    await sodium.ready
    return wasmSodiumAead(sodium)
  } catch {
    return undefined
  }
}
