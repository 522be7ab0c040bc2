import type { Aead } from "../age/stream.js"
import { nativeAddon } from "./nativeAddon.js"

/**
 * age's payload cipher from `@sluice/native` (packages/native/src/aead.rs): a whole run of
 * STREAM chunks sealed or opened in one call by the ChaCha20-Poly1305 of the OpenSSL this
 * Node already carries (the addon finds its `EVP_*` functions in the running process: no
 * dependency is added). Measured here (Node 24, OpenSSL 3.5 with AVX-512, one thread, 4 MiB
 * runs): ~3.5 GB/s of CPU time against ~1.5 GB/s for sodium-native a chunk at a time.
 *
 * Absent where the addon is not built, where the process exports no OpenSSL, with
 * `SLUICE_NATIVE=0`, or with `SLUICE_NATIVE_AEAD=0` for this kernel alone: `nodeAead()`
 * then takes sodium-native, node:crypto, noble in that order.
 */
export interface SluiceNativeAead {
  readonly sealChunks: (key: Uint8Array, firstChunk: number, final: boolean, plaintext: Uint8Array, out: Uint8Array) => void
  readonly openChunks: (key: Uint8Array, firstChunk: number, final: boolean, ciphertext: Uint8Array, out: Uint8Array) => number
  readonly aeadVersion: () => string | undefined
}

/** Chunk 7, final, of "sluice age chunk" under the key 0, 1, ..., 31, as libsodium seals it. */
const KNOWN = "23dc837c3af7a5dfc3f7ead9cd4c516a6e461eb5ee973092719ad58b4bb06516"

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")

export const sluiceNativeAead = nativeAddon<SluiceNativeAead>("@sluice/native", (addon) => {
  if (typeof addon.aeadVersion !== "function" || addon.aeadVersion() === undefined) throw new Error("no OpenSSL here")
  const key = Uint8Array.from({ length: 32 }, (_, i) => i)
  const plaintext = new TextEncoder().encode("sluice age chunk")
  const sealed = new Uint8Array(plaintext.length + 16)
  addon.sealChunks(key, 7, true, plaintext, sealed)
  if (hex(sealed) !== KNOWN) throw new Error("wrong ciphertext")
  const opened = new Uint8Array(plaintext.length)
  if (addon.openChunks(key, 7, true, sealed, opened) !== 1 || hex(opened) !== hex(plaintext)) throw new Error("does not open")
}, "SLUICE_NATIVE_AEAD")

/**
 * The addon's runs of chunks over `single`, the AEAD that seals and opens one chunk with any
 * nonce (Wycheproof's vectors, and naming the chunk that failed); undefined where the addon
 * does not answer.
 */
export const nativeAgeAead = (single: Aead): Aead | undefined => {
  const addon = sluiceNativeAead()
  if (addon === undefined) return undefined
  return {
    name: `@sluice/native ${addon.aeadVersion() ?? "OpenSSL"} chacha20-poly1305, runs of chunks (one chunk: ${single.name})`,
    seal: single.seal,
    open: single.open,
    ...(single.inPlace === undefined ? {} : { inPlace: single.inPlace }),
    sealChunks: addon.sealChunks,
    openChunks: addon.openChunks
  }
}
