import { Effect, Layer } from "effect"
import * as crypto from "node:crypto"
import { ALGORITHMS, type AlgorithmsWith, type HashAlgorithm, HASH_ALGORITHMS, hasKernel } from "../hash/HashAlgorithm.js"
import { blake3Hasher, HashKernel, makePortableResumable } from "../hash/kernels/HashKernel.js"
import { simdAvailable } from "../hash/kernels/blake3Simd.js"
import type { IncrementalHasher } from "../hash/kernels/IncrementalHasher.js"
import { NATIVE_BLAKE_IMPLEMENTATION, nativeBlake } from "./nativeBlake.js"
import { hashFileNative, sluiceNative } from "./nativeBlake3File.js"

/** OpenSSL names (HashAlgorithm.ts, kernels.nodeCrypto); OpenSSL has no BLAKE3, which our own kernel answers. */
export const opensslName = Object.fromEntries(
  HASH_ALGORITHMS.flatMap((a) => {
    const name = ALGORITHMS[a].kernels.nodeCrypto
    return name === undefined ? [] : [[a, name]]
  })
) as Readonly<Record<AlgorithmsWith<"nodeCrypto">, string>>

const fromOpenSSL = (name: string): IncrementalHasher => {
  const hash = crypto.createHash(name)
  return {
    update(data) {
      hash.update(data)
    },
    digest: () => new Uint8Array(hash.digest())
  }
}

/** The addon's hasher of an algorithm it has (`kernels.native`), when its binary loaded and is wanted. */
const fromNative = (algorithm: HashAlgorithm, wanted: boolean): IncrementalHasher | undefined => {
  const native = wanted && hasKernel(algorithm, "native") ? nativeBlake() : undefined
  if (native === undefined) return undefined
  const hasher = algorithm === "blake3" ? new native.Blake3Hasher() : new native.Blake2BHasher()
  return {
    update(data) {
      // Blake2BHasher takes a Buffer: a view of the same memory, not a copy.
      hasher.update(Buffer.from(data.buffer, data.byteOffset, data.byteLength))
    },
    digest: () => new Uint8Array(hasher.digestBuffer())
  }
}

/** Whether a large BLAKE3 file is hashed here by Sluice's own addon, mapped and on every core. */
export const usesNativeFile = (): boolean => sluiceNative() !== undefined

/**
 * What hashes one large BLAKE3 file here, for `doctor`: Sluice's own addon (with its
 * in-memory hash, to measure it), or where it is absent the fallback's description.
 */
export const largeBlake3Kernel = (): {
  readonly kernel: string
  /** BLAKE3 of `data` on `threads` threads (0: every core), where the addon answers. */
  readonly hash?: (data: Uint8Array, threads: number) => Uint8Array
} => {
  const addon = sluiceNative()
  if (addon !== undefined) {
    return { kernel: `${addon.version()}: the file mapped, hashed on every core`, hash: (data, threads) => addon.hash(data, threads) }
  }
  return {
    kernel: usesNative("blake3")
      ? `${NATIVE_BLAKE_IMPLEMENTATION}: one worker reads it and hashes it on one thread (@sluice/native is not built or is off)`
      : `sluice blake3 (WebAssembly): spread over every worker in subtrees`
  }
}

/** Whether the native addon answers for `algorithm` here (it loaded, and has the algorithm). */
export const usesNative = (algorithm: HashAlgorithm): boolean => hasKernel(algorithm, "native") && nativeBlake() !== undefined

/**
 * The fastest kernel here, per algorithm: the native addon where it loads and has the
 * algorithm (BLAKE3, BLAKE2b), else node:crypto (OpenSSL, with the CPU's SHA extensions
 * where it has them), else our BLAKE3 kernel (WebAssembly SIMD). Neither the addon's nor
 * OpenSSL's state can be exported, so resumable hashers are the portable ones (hash-wasm,
 * and our BLAKE3): a checkpointed hash is slower than `make`'s.
 */
const kernel = (native: boolean) => {
  const makeSync = (algorithm: HashAlgorithm) =>
    fromNative(algorithm, native) ??
      (hasKernel(algorithm, "nodeCrypto") ? fromOpenSSL(opensslName[algorithm]) : blake3Hasher())
  // The kernel `makeSync` gives: node:crypto's one-shot call where that is OpenSSL.
  const digestHexSync = (algorithm: HashAlgorithm, data: Uint8Array): string | undefined =>
    !hasKernel(algorithm, "nodeCrypto") || (native && usesNative(algorithm)) ? undefined : crypto.hash(opensslName[algorithm], data, "hex")
  return HashKernel.of({
  make: (algorithm) => Effect.sync(() => makeSync(algorithm)),
  makeSync,
  digestHexSync,
  makeResumable: makePortableResumable,
  resumable: (algorithm) => ALGORITHMS[algorithm].resumable,
  ...(native ? { hashFile: hashFileNative } : {}),
  describe: (algorithm) => {
    const resumable = hasKernel(algorithm, "hashWasm") ? "hash-wasm (WASM)" : "sluice blake3 (WASM)"
    if (native && usesNative(algorithm)) return `${NATIVE_BLAKE_IMPLEMENTATION} (native); resumable: ${resumable}`
    return !hasKernel(algorithm, "nodeCrypto")
      ? `sluice blake3 (${simdAvailable() ? "WebAssembly SIMD, 64 chunks a call" : "JavaScript"})`
      : `node:crypto ${opensslName[algorithm]} (OpenSSL ${process.versions.openssl}); resumable: ${resumable}`
  }
  })
}

export const layer: Layer.Layer<HashKernel> = Layer.succeed(HashKernel)(kernel(true))

/** The kernel as it is where the native addon does not load: `doctor` measures it beside `layer`'s. */
export const layerFallback: Layer.Layer<HashKernel> = Layer.succeed(HashKernel)(kernel(false))
