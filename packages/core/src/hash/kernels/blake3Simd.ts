/**
 * BLAKE3 chunk compression for 4 whole chunks at once with WebAssembly SIMD (the
 * reference implementation's `hash_many`): lane i of each i32x4 holds chunk i's state.
 * `compressChunks64` does 64 chunks in one call and merges them in WebAssembly too (the
 * parents 4 at a time, lanes again), handing back the CVs of their four 16-chunk subtrees:
 * one copy in and one call per 64 KiB, and 1 parent in 16 left to JS.
 * Source: `blake3Simd.wat` (scripts/gen-blake3-simd-wat.mjs); bytes: `blake3Simd.wasm.ts`
 * (scripts/build-wasm.mjs).
 *
 * Measured in Node 24 on this project's 2-core VM (CPU time, median of 15 alternated
 * rounds of 64 MiB): the 7 rounds unrolled with each round's message words read from
 * memory 1,820 MB/s against 1,490 MB/s for a rounds loop permuting 16 message locals (V8
 * spills them anyway and moves them every round); `compressChunks64` with its parents
 * 1,700 MB/s. The whole `Blake3SubtreeHasher` on 4 MiB updates, 256 MiB, CPU time at load
 * ~9: 169-181 ms against 221-248 ms with the 4-chunk loop kernel and the parents in JS
 * (~1.3x), hash-wasm's BLAKE3 427-438 ms (now ~2.4x).
 *
 * Platform-neutral and side-effect free: the module (~12 KiB) is compiled synchronously on
 * first use. Workers and Node compile it; so does Debian's Chromium on a page's main thread
 * (measured), but a browser that keeps the old 4 KiB limit on synchronous compilation there
 * throws, and BLAKE3 then runs on the JS kernel on that thread (hashing runs on workers).
 */
import { BLAKE3_SIMD_WASM_BASE64 } from "./blake3Simd.wasm.js"
import { instantiateSimd } from "./simdWasm.js"

/** Bytes the kernel consumes per call: 4 chunks of 1024. */
export const BLAKE3_SIMD_INPUT_BYTES = 4096
/** Bytes `compressChunks64` consumes per call: 64 chunks of 1024. */
export const BLAKE3_SIMD_WIDE_BYTES = 65536
/** Chunks under each CV `compressChunks64` writes. */
export const BLAKE3_SIMD_WIDE_SUBTREE_CHUNKS = 16

const INPUT_AT = 0
const OUTPUT_AT = 65536

interface Kernel {
  readonly compress4: (counterLo: number, counterHi: number) => void
  readonly hash64: (counterLo: number, counterHi: number) => void
  readonly bytes: Uint8Array
  readonly words: Uint32Array
}

let kernel: Kernel | null | undefined

const load = (): Kernel | null => {
  if (kernel !== undefined) return kernel
  // The output is read through a host-endian Uint32Array view of little-endian wasm memory.
  const loaded = instantiateSimd(BLAKE3_SIMD_WASM_BASE64)
  kernel = loaded === null ? null : {
    compress4: loaded.exports["compress4"] as (counterLo: number, counterHi: number) => void,
    hash64: loaded.exports["hash64"] as (counterLo: number, counterHi: number) => void,
    bytes: new Uint8Array(loaded.memory),
    words: new Uint32Array(loaded.memory)
  }
  return kernel
}

/** True when the SIMD kernel can run here (WebAssembly with 128-bit SIMD, little-endian host). */
export const simdAvailable = (): boolean => load() !== null

/**
 * Chaining values of the 4 whole chunks `input[offset .. offset + 4096)`, chunk i having
 * chunk counter `counter + i` (a safe integer): none of them may be the root (§2.6), i.e.
 * input must follow them. Writes chunk i's CV as 8 words to `out[outAt + 8 i ..]`.
 * Throws when `simdAvailable()` is false.
 */
export const compressChunks4 = (
  input: Uint8Array,
  offset: number,
  counter: number,
  out: Uint32Array,
  outAt = 0
): void => {
  run("compressChunks4", "compress4", BLAKE3_SIMD_INPUT_BYTES, input, offset, counter, out, outAt)
}

/**
 * The chaining values of the four 16-chunk subtrees of the 64 whole chunks
 * `input[offset .. offset + 65536)`, chunk i having chunk counter `counter + i` (a safe
 * integer): chunks [16 s, 16 s + 16) merged as BLAKE3's tree merges them (§2.1, parents
 * of pairs, four levels), which makes each a node of the whole input's tree when `counter`
 * is a multiple of 16 relative to an aligned subtree start and input follows them (none
 * may be the root). Writes subtree s's CV as 8 words to `out[outAt + 8 s ..]`.
 * Throws when `simdAvailable()` is false.
 */
export const compressChunks64 = (
  input: Uint8Array,
  offset: number,
  counter: number,
  out: Uint32Array,
  outAt = 0
): void => {
  run("compressChunks64", "hash64", BLAKE3_SIMD_WIDE_BYTES, input, offset, counter, out, outAt)
}

/** One call of the kernel's `entry` on `bytes` of `input` at `offset`: its 4 CVs written to `out`. */
const run = (
  name: string,
  entry: "compress4" | "hash64",
  bytes: number,
  input: Uint8Array,
  offset: number,
  counter: number,
  out: Uint32Array,
  outAt: number
): void => {
  const k = load()
  if (k === null) throw new Error("BLAKE3 SIMD kernel unavailable: WebAssembly SIMD is not supported here")
  if (offset < 0 || offset + bytes > input.length) {
    throw new RangeError(`${name} needs ${bytes} bytes at offset ${offset} of ${input.length}`)
  }
  k.bytes.set(input.subarray(offset, offset + bytes), INPUT_AT)
  k[entry](counter | 0, (counter / 0x100000000) | 0)
  readCvs(k.words, out, outAt)
}

/** Untransposes the kernel's 8 output vectors (word j of node i in lane i) into 4 CVs of 8 words. */
const readCvs = (w: Uint32Array, out: Uint32Array, outAt: number): void => {
  const base = OUTPUT_AT >> 2
  for (let j = 0; j < 8; j++) {
    const v = base + j * 4
    out[outAt + j] = w[v]!
    out[outAt + 8 + j] = w[v + 1]!
    out[outAt + 16 + j] = w[v + 2]!
    out[outAt + 24 + j] = w[v + 3]!
  }
}
