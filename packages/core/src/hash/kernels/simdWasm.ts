/**
 * Loading a WebAssembly SIMD kernel (our BLAKE3 and SHA-256): whether this host runs 128-bit
 * SIMD on little-endian memory, and one module instantiated from its base64 bytes. The
 * kernels read and write their state through host-endian typed-array views of little-endian
 * wasm memory, hence the endianness condition.
 */

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

export const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1

const wasmApi = (): WasmApi | undefined => {
  const wasm = (globalThis as { readonly WebAssembly?: WasmApi }).WebAssembly
  return typeof wasm === "object" ? wasm : undefined
}

// atob is a global of every JavaScript runtime Sluice runs in (Node, browsers, workers).
const decodeBase64 = (text: string): Uint8Array => Uint8Array.from(atob(text), (c) => c.charCodeAt(0))

/** Whether a SIMD kernel can run here, checked without compiling one (validation only). */
export const simdSupported = (): boolean => {
  try {
    const wasm = wasmApi()
    return LITTLE_ENDIAN && wasm !== undefined && wasm.validate(SIMD_PROBE)
  } catch {
    return false
  }
}

/**
 * The exports and memory of the module in `base64`, or null where SIMD does not run or the
 * host refuses to compile it (a browser's size limit on a main thread, a CSP): the caller
 * falls back to its other kernel.
 */
export const instantiateSimd = (
  base64: string
): { readonly exports: Record<string, unknown>; readonly memory: ArrayBuffer } | null => {
  try {
    const wasm = wasmApi()
    if (wasm === undefined || !simdSupported()) return null
    const { exports } = new wasm.Instance(new wasm.Module(decodeBase64(base64)), {})
    return { exports, memory: (exports["memory"] as { readonly buffer: ArrayBuffer }).buffer }
  } catch {
    return null
  }
}
