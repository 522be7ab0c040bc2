import { nativeAddon } from "./nativeAddon.js"

/**
 * `@napi-rs/blake-hash`: the Rust `blake3` and `blake2` crates (AVX2 / AVX-512 where the CPU
 * has them) as a Node addon whose prebuilt binary ships inside an npm package per platform:
 * nothing is compiled or downloaded at install. Measured here (one thread, 1 MiB updates):
 * BLAKE3 ~3.9 GB/s against 355 MB/s for our WebAssembly SIMD kernel, BLAKE2b ~990 MB/s
 * against node:crypto's ~830 MB/s.
 *
 * Loaded with `require` on first use, so bundles leave it out (a native binary cannot be
 * bundled) and a platform without a binary, or `SLUICE_NATIVE=0`, gets `undefined`: the
 * kernels then fall back to node:crypto and WebAssembly.
 */
export type NativeBlake = typeof import("@napi-rs/blake-hash")

export const nativeBlake = nativeAddon<NativeBlake>("@napi-rs/blake-hash")

/** The package's version, for `doctor` and checkpoints' implementation names. */
export const NATIVE_BLAKE_IMPLEMENTATION = "@napi-rs/blake-hash@1.3.6"

/** The result cache's name for Sluice's own BLAKE3 kernel (WebAssembly, or JavaScript): node.ts's `kernelVersion` where the native one does not answer. */
export const SLUICE_BLAKE3_KERNEL = "sluice-blake3/1"
