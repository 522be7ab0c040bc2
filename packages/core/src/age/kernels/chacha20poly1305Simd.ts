/**
 * ChaCha20-Poly1305 (IETF, RFC 8439) in our own WebAssembly: ChaCha20 with 4 blocks in the
 * lanes of 128-bit SIMD vectors, Poly1305 scalar (26-bit limbs, 64-bit products); the tag
 * is compared inside the module in constant time (16 bytes XORed and OR-folded, no early
 * exit), and a chunk that does not verify is never decrypted. The page's workers' kernel
 * for age's STREAM where WebAssembly SIMD validates; libsodium's WebAssembly (no SIMD)
 * stays the fallback chosen at run time (browser/ageHandlers.ts).
 * Source: `chacha20poly1305Simd.wat`; bytes: `chacha20poly1305Simd.wasm.ts` (both made by
 * scripts/gen-chacha20poly1305-simd.mjs).
 *
 * Measured on this project's 2-core VM, 64 KiB chunks: in Node 24 (CPU time, load 8-15)
 * the AEAD with its copies in and out 651-703 MB per CPU-second against libsodium-wrappers'
 * 399-413 (ChaCha20 alone 1.28-1.45 GB/s, the AEAD without copies ~745 MB/s); in a Chromium
 * Web Worker (wall time, load 7-8, medians of 5) 601 MB/s against 272. In the web-age bench
 * the two pool workers' CPU per 256 MiB fell from 1.04-1.16 s to 0.78-0.84 s.
 *
 * Each call copies its input into the module's memory and its output out (the caller's
 * arrays stay its own); key and plaintext are wiped from that memory after every call.
 */
import { type Aead, checkAeadSizes, TAG_SIZE } from "../stream.js"
import { instantiateSimd } from "../../hash/kernels/simdWasm.js"
import { CHACHA20POLY1305_SIMD_WASM_BASE64 } from "./chacha20poly1305Simd.wasm.js"

const KEY = 0
const NONCE = 32
/** The callers' buffers start here (the module's own scratch lies below). */
const BUFFERS = 1024
const PAGE = 65536

interface Exports {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number }
  /** (src, dst, len, ad, adLen): dst ← ciphertext ‖ tag. */
  readonly seal: (src: number, dst: number, len: number, ad: number, adLen: number) => void
  /** (src, dst, len, ad, adLen) → 1 and dst ← plaintext, or 0 (dst untouched) when src's tag does not verify. */
  readonly open: (src: number, dst: number, len: number, ad: number, adLen: number) => number
}

/** The kernel, or undefined where WebAssembly SIMD does not run (or the module is refused). */
export const simdAead = (): Aead | undefined => {
  const loaded = instantiateSimd(CHACHA20POLY1305_SIMD_WASM_BASE64)
  if (loaded === null) return undefined
  const lib = loaded.exports as unknown as Exports
  let capacity = 0
  let adCapacity = 0
  let heap = new Uint8Array(lib.memory.buffer)
  /** Input at BUFFERS, output after it, AD after that: each `size` (`ad` for AD) bytes at least. */
  const room = (size: number, ad: number) => {
    if (size <= capacity && ad <= adCapacity) return
    capacity = Math.max(capacity, size, 65536 + TAG_SIZE)
    adCapacity = Math.max(adCapacity, ad)
    const need = BUFFERS + 2 * capacity + adCapacity
    const have = lib.memory.buffer.byteLength
    if (need > have) lib.memory.grow(Math.ceil((need - have) / PAGE))
    heap = new Uint8Array(lib.memory.buffer)
  }
  const load = (key: Uint8Array, nonce: Uint8Array, input: Uint8Array, aad: Uint8Array | undefined) => {
    heap.set(key, KEY)
    heap.set(nonce, NONCE)
    heap.set(input, BUFFERS)
    if (aad !== undefined && aad.length > 0) heap.set(aad, BUFFERS + 2 * capacity)
  }
  return {
    name: "ChaCha20-Poly1305 WebAssembly SIMD (Sluice)",
    seal: (key, nonce, plaintext, out, aad) => {
      checkAeadSizes(key, nonce, out, plaintext.length + TAG_SIZE)
      room(plaintext.length + TAG_SIZE, aad?.length ?? 0)
      load(key, nonce, plaintext, aad)
      const outAt = BUFFERS + capacity
      try {
        lib.seal(BUFFERS, outAt, plaintext.length, BUFFERS + 2 * capacity, aad?.length ?? 0)
        out.set(heap.subarray(outAt, outAt + out.length))
      } finally {
        heap.fill(0, KEY, KEY + 32)
        heap.fill(0, BUFFERS, BUFFERS + plaintext.length)
      }
    },
    open: (key, nonce, ciphertext, out, aad) => {
      checkAeadSizes(key, nonce, out, ciphertext.length - TAG_SIZE)
      room(ciphertext.length, aad?.length ?? 0)
      load(key, nonce, ciphertext, aad)
      const outAt = BUFFERS + capacity
      try {
        if (lib.open(BUFFERS, outAt, out.length, BUFFERS + 2 * capacity, aad?.length ?? 0) !== 1) return false
        out.set(heap.subarray(outAt, outAt + out.length))
        return true
      } finally {
        heap.fill(0, KEY, KEY + 32)
        heap.fill(0, outAt, outAt + out.length)
      }
    }
  }
}
