/**
 * ChaCha20-Poly1305 from @noble/ciphers: pure JS, every platform, ~160 MB/s a core here
 * (design §4). The fallback wherever a faster kernel (sodium-native, node:crypto, WASM)
 * is missing.
 */
import { chacha20poly1305 } from "@noble/ciphers/chacha.js"
import { type Aead, checkAeadSizes, TAG_SIZE } from "./stream.js"

export const nobleAead: Aead = {
  name: "@noble/ciphers",
  seal: (key, nonce, plaintext, out, aad) => {
    checkAeadSizes(key, nonce, out, plaintext.length + TAG_SIZE)
    chacha20poly1305(key, nonce, aad).encrypt(plaintext, out)
  },
  open: (key, nonce, ciphertext, out, aad) => {
    checkAeadSizes(key, nonce, out, ciphertext.length - TAG_SIZE)
    try {
      chacha20poly1305(key, nonce, aad).decrypt(ciphertext, out)
      return true
    } catch {
      return false
    }
  }
}
