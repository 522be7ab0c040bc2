/**
 * ChaCha20-Poly1305 (IETF, RFC 8439) from libsodium compiled to WebAssembly
 * (libsodium-wrappers): ~2.4x noble's speed per core (design §4), the browser workers'
 * kernel for age's STREAM. Loaded only when a worker's first age task arrives; where
 * WebAssembly cannot start (no WebAssembly, a policy without `wasm-unsafe-eval`) the
 * caller falls back to noble.
 *
 * It calls libsodium's own functions on buffers it keeps in the WebAssembly memory (the
 * wrappers' functions allocate, copy in and copy out a new array on every call): one copy
 * in, one copy out, straight into the caller's `out`. Key, nonce and plaintext are wiped
 * from that memory after each call.
 */
import { type Aead, checkAeadSizes, TAG_SIZE } from "../age/stream.js"

type Sodium = typeof import("libsodium-wrappers").default

/** The part of libsodium's Emscripten module used here. */
interface SodiumModule {
  readonly HEAPU8: Uint8Array
  _malloc(size: number): number
  _free(pointer: number): void
  /** (c, clen_p, m, mlen (low, high), ad, adlen (low, high), nsec, npub, k) → 0 */
  _crypto_aead_chacha20poly1305_ietf_encrypt(...args: Array<number>): number
  /** (m, mlen_p, nsec, c, clen (low, high), ad, adlen (low, high), npub, k) → 0, or -1 when the tag does not verify */
  _crypto_aead_chacha20poly1305_ietf_decrypt(...args: Array<number>): number
}

/** The kernel over a ready libsodium's module; `open` never throws for a bad tag. */
export const wasmSodiumAead = (lib: SodiumModule): Aead => {
  const keyAt = lib._malloc(32)
  const nonceAt = lib._malloc(12)
  let capacity = 0
  let inAt = 0
  let outAt = 0
  let adCapacity = 0
  let adAt = 0
  /** Room for `size` bytes in and out (a chunk and its tag: 65,552), grown when a call needs more. */
  const room = (size: number) => {
    if (size <= capacity) return
    if (capacity > 0) {
      lib._free(inAt)
      lib._free(outAt)
    }
    capacity = Math.max(size, 65536 + TAG_SIZE)
    inAt = lib._malloc(capacity)
    outAt = lib._malloc(capacity)
  }
  const adOf = (aad: Uint8Array | undefined): number => {
    if (aad === undefined || aad.length === 0) return 0
    if (aad.length > adCapacity) {
      if (adCapacity > 0) lib._free(adAt)
      adCapacity = aad.length
      adAt = lib._malloc(adCapacity)
    }
    lib.HEAPU8.set(aad, adAt)
    return adAt
  }
  const load = (key: Uint8Array, nonce: Uint8Array, input: Uint8Array) => {
    const heap = lib.HEAPU8
    heap.set(key, keyAt)
    heap.set(nonce, nonceAt)
    heap.set(input, inAt)
  }
  const wipe = (plainAt: number, plainLength: number) => {
    const heap = lib.HEAPU8
    heap.fill(0, keyAt, keyAt + 32)
    heap.fill(0, plainAt, plainAt + plainLength)
  }
  return {
    name: "libsodium-wrappers (WebAssembly)",
    seal: (key, nonce, plaintext, out, aad) => {
      checkAeadSizes(key, nonce, out, plaintext.length + TAG_SIZE)
      room(plaintext.length + TAG_SIZE)
      const ad = adOf(aad)
      load(key, nonce, plaintext)
      try {
        const rc = lib._crypto_aead_chacha20poly1305_ietf_encrypt(outAt, 0, inAt, plaintext.length, 0, ad, aad?.length ?? 0, 0, 0, nonceAt, keyAt)
        if (rc !== 0) throw new Error("libsodium refused to seal")
        out.set(lib.HEAPU8.subarray(outAt, outAt + out.length))
      } finally {
        wipe(inAt, plaintext.length)
      }
    },
    open: (key, nonce, ciphertext, out, aad) => {
      checkAeadSizes(key, nonce, out, ciphertext.length - TAG_SIZE)
      room(ciphertext.length)
      const ad = adOf(aad)
      load(key, nonce, ciphertext)
      try {
        const rc = lib._crypto_aead_chacha20poly1305_ietf_decrypt(outAt, 0, 0, inAt, ciphertext.length, 0, ad, aad?.length ?? 0, 0, nonceAt, keyAt)
        if (rc !== 0) return false
        out.set(lib.HEAPU8.subarray(outAt, outAt + out.length))
        return true
      } finally {
        wipe(outAt, out.length)
      }
    }
  }
}

/** libsodium's module once its WebAssembly has started (the wrappers' `ready`). */
const moduleOf = async (): Promise<SodiumModule> => {
  const wrappers = await import("libsodium-wrappers")
  await (wrappers.default as Sodium).ready
  return (wrappers as unknown as { readonly libsodium: SodiumModule }).libsodium
}

/** libsodium's kernel once its WebAssembly has started, or undefined where it cannot. */
export const loadSodiumAead = async (): Promise<Aead | undefined> => {
  if (typeof (globalThis as { readonly WebAssembly?: unknown }).WebAssembly !== "object") return undefined
  try {
    return wasmSodiumAead(await moduleOf())
  } catch {
    return undefined
  }
}
