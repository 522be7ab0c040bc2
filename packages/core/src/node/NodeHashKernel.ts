import { Effect, Layer } from "effect"
import * as crypto from "node:crypto"
import { ALGORITHMS, type AlgorithmsWith, HASH_ALGORITHMS, hasKernel } from "../hash/HashAlgorithm.js"
import { blake3Hasher, HashKernel, makePortableResumable } from "../hash/kernels/HashKernel.js"
import { simdAvailable } from "../hash/kernels/blake3Simd.js"
import type { IncrementalHasher } from "../hash/kernels/IncrementalHasher.js"

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

/**
 * node:crypto (OpenSSL, with the CPU's SHA extensions where it has them). OpenSSL's hash
 * state cannot be exported, so resumable hashers are the portable ones (hash-wasm, and
 * our BLAKE3): a checkpointed hash is slower than `make`'s.
 */
export const layer: Layer.Layer<HashKernel> = Layer.succeed(HashKernel)({
  make: (algorithm) =>
    Effect.sync(() => hasKernel(algorithm, "nodeCrypto") ? fromOpenSSL(opensslName[algorithm]) : blake3Hasher()),
  makeResumable: makePortableResumable,
  resumable: (algorithm) => ALGORITHMS[algorithm].resumable,
  describe: (algorithm) =>
    !hasKernel(algorithm, "nodeCrypto")
      ? `sluice blake3 (${simdAvailable() ? "WebAssembly SIMD, 4 chunks a call" : "JavaScript"})`
      : `node:crypto ${opensslName[algorithm]} (OpenSSL ${process.versions.openssl}); resumable: hash-wasm (WASM)`
})
