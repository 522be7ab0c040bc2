import { Context, Effect, Layer } from "effect"
import {
  createBLAKE2b,
  createMD5,
  createSHA1,
  createSHA256,
  createSHA3,
  createSHA384,
  createSHA512,
  type IHasher
} from "hash-wasm"
import type { HashAlgorithm } from "../domain/HashAlgorithm.js"
import { Blake3SubtreeHasher } from "./blake3Tree.js"
import type { IncrementalHasher } from "./IncrementalHasher.js"

/**
 * The fastest well-kept implementation of each algorithm in this environment
 * (DESIGN.md, "Fastest kernel per environment"). Pipelines ask for a hasher by
 * algorithm and never learn which library answered.
 */
export class HashKernel extends Context.Service<HashKernel, {
  readonly make: (algorithm: HashAlgorithm) => Effect.Effect<IncrementalHasher>
  /** Which implementation answers for an algorithm, for `doctor` and metrics. */
  readonly describe: (algorithm: HashAlgorithm) => string
}>()("@sluice/core/HashKernel") {}

const fromWasm = (hasher: IHasher): IncrementalHasher => ({
  update(data) {
    hasher.update(data)
  },
  digest: () => hasher.digest("binary")
})

export const blake3Hasher = (): IncrementalHasher => {
  const hasher = new Blake3SubtreeHasher(0)
  return {
    update(data) {
      hasher.update(data)
    },
    digest: () => hasher.rootDigest()
  }
}

const wasmFactories: Record<Exclude<HashAlgorithm, "blake3">, () => Promise<IHasher>> = {
  sha256: createSHA256,
  sha384: createSHA384,
  sha512: createSHA512,
  sha1: createSHA1,
  md5: createMD5,
  "sha3-256": () => createSHA3(256),
  "sha3-512": () => createSHA3(512),
  "blake2b-512": () => createBLAKE2b(512)
}

/** Platform-neutral kernels: WASM from hash-wasm, and our BLAKE3 tree kernel. */
export const makePortableHasher = (algorithm: HashAlgorithm): Effect.Effect<IncrementalHasher> =>
  algorithm === "blake3"
    ? Effect.sync(blake3Hasher)
    : Effect.promise(() => wasmFactories[algorithm]()).pipe(Effect.map(fromWasm))

export const layerPortable: Layer.Layer<HashKernel> = Layer.succeed(HashKernel)({
  make: makePortableHasher,
  describe: (algorithm) => algorithm === "blake3" ? "sluice blake3 (JS)" : "hash-wasm (WASM)"
})

interface NobleHash {
  readonly create: () => { update(data: Uint8Array): unknown; digest(): Uint8Array }
}

// Loaded on first use, so a program that has WebAssembly never loads them.
const nobleHashes: Record<Exclude<HashAlgorithm, "blake3">, () => Promise<NobleHash>> = {
  sha256: () => import("@noble/hashes/sha2.js").then((m) => m.sha256),
  sha384: () => import("@noble/hashes/sha2.js").then((m) => m.sha384),
  sha512: () => import("@noble/hashes/sha2.js").then((m) => m.sha512),
  sha1: () => import("@noble/hashes/legacy.js").then((m) => m.sha1),
  md5: () => import("@noble/hashes/legacy.js").then((m) => m.md5),
  "sha3-256": () => import("@noble/hashes/sha3.js").then((m) => m.sha3_256),
  "sha3-512": () => import("@noble/hashes/sha3.js").then((m) => m.sha3_512),
  "blake2b-512": () => import("@noble/hashes/blake2.js").then((m) => m.blake2b)
}

const fromNoble = (hash: NobleHash): IncrementalHasher => {
  const state = hash.create()
  return {
    update(data) {
      state.update(data)
    },
    digest: () => state.digest()
  }
}

/** Audited pure JS (`@noble/hashes`) and our BLAKE3: for pages that cannot run WebAssembly. */
export const layerPureJs: Layer.Layer<HashKernel> = Layer.succeed(HashKernel)({
  make: (algorithm) =>
    algorithm === "blake3"
      ? Effect.sync(blake3Hasher)
      : Effect.map(Effect.promise(nobleHashes[algorithm]), fromNoble),
  describe: (algorithm) => algorithm === "blake3" ? "sluice blake3 (JS)" : "@noble/hashes (JS)"
})
