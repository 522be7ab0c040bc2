/**
 * BLAKE3 chunk compression for 4 whole chunks at once with WebAssembly SIMD (the
 * reference implementation's `hash_many`): lane i of each i32x4 holds chunk i's state.
 * Source: `blake3Simd.wat`; bytes: `blake3Simd.wasm.ts` (scripts/build-wasm.mjs).
 *
 * Platform-neutral and side-effect free: the module (under 4 KiB, so synchronous
 * compilation is allowed everywhere) is compiled on first use.
 */
import { BLAKE3_SIMD_WASM_BASE64 } from "./blake3Simd.wasm.js"

/** Bytes the kernel consumes per call: 4 chunks of 1024. */
export const BLAKE3_SIMD_INPUT_BYTES = 4096

const INPUT_AT = 0
const OUTPUT_AT = 4096

// atob is a global of every JavaScript runtime Sluice runs in (Node, browsers, workers).
const decodeBase64 = (text: string): Uint8Array => Uint8Array.from(atob(text), (c) => c.charCodeAt(0))

/** A module with one function using v128 (i8x16.splat, i8x16.popcnt): validates only where SIMD is supported. */
const SIMD_PROBE = Uint8Array.of(
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11
)

/** The few WebAssembly JS API members used here (the DOM lib is not in this package's types). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> }
}

interface Kernel {
  readonly compress4: (counterLo: number, counterHi: number) => void
  readonly bytes: Uint8Array
  readonly words: Uint32Array
}

let kernel: Kernel | null | undefined

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1

const load = (): Kernel | null => {
  if (kernel !== undefined) return kernel
  kernel = null
  try {
    // The output is read through a host-endian Uint32Array view of little-endian wasm memory.
    const wasm = (globalThis as { readonly WebAssembly?: WasmApi }).WebAssembly
    if (!LITTLE_ENDIAN || typeof wasm !== "object" || !wasm.validate(SIMD_PROBE)) return kernel
    const module = new wasm.Module(decodeBase64(BLAKE3_SIMD_WASM_BASE64))
    const { exports } = new wasm.Instance(module, {})
    const memory = exports["memory"] as { readonly buffer: ArrayBuffer }
    kernel = {
      compress4: exports["compress4"] as (counterLo: number, counterHi: number) => void,
      bytes: new Uint8Array(memory.buffer),
      words: new Uint32Array(memory.buffer)
    }
  } catch {
    kernel = null
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
  const k = load()
  if (k === null) throw new Error("BLAKE3 SIMD kernel unavailable: WebAssembly SIMD is not supported here")
  if (offset < 0 || offset + BLAKE3_SIMD_INPUT_BYTES > input.length) {
    throw new RangeError(`compressChunks4 needs 4096 bytes at offset ${offset} of ${input.length}`)
  }
  k.bytes.set(input.subarray(offset, offset + BLAKE3_SIMD_INPUT_BYTES), INPUT_AT)
  k.compress4(counter | 0, (counter / 0x100000000) | 0)
  const w = k.words
  const base = OUTPUT_AT >> 2
  for (let j = 0; j < 8; j++) {
    const v = base + j * 4
    out[outAt + j] = w[v]!
    out[outAt + 8 + j] = w[v + 1]!
    out[outAt + 16 + j] = w[v + 2]!
    out[outAt + 24 + j] = w[v + 3]!
  }
}
