import { Effect, Layer } from "effect"
import * as crypto from "node:crypto"
import type { HashAlgorithm } from "../hash/HashAlgorithm.js"
import { blake3Hasher, HashKernel, makePortableResumable } from "../hash/kernels/HashKernel.js"
import { simdAvailable } from "../hash/kernels/blake3Simd.js"
import type { IncrementalHasher } from "../hash/kernels/IncrementalHasher.js"

/** OpenSSL names; OpenSSL has no BLAKE3, which our own kernel answers. */
export const opensslName: Record<Exclude<HashAlgorithm, "blake3">, string> = {
  sha256: "sha256",
  sha384: "sha384",
  sha512: "sha512",
  sha1: "sha1",
  md5: "md5",
  "sha3-256": "sha3-256",
  "sha3-512": "sha3-512",
  "blake2b-512": "blake2b512"
}

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
    Effect.sync(() => algorithm === "blake3" ? blake3Hasher() : fromOpenSSL(opensslName[algorithm])),
  makeResumable: makePortableResumable,
  resumable: () => true,
  describe: (algorithm) =>
    algorithm === "blake3"
      ? `sluice blake3 (${simdAvailable() ? "WebAssembly SIMD, 4 chunks a call" : "JavaScript"})`
      : `node:crypto ${opensslName[algorithm]} (OpenSSL ${process.versions.openssl}); resumable: hash-wasm (WASM)`
})
