import { Context, Effect, Layer } from "effect"
import type { IHasher } from "hash-wasm"
import type { SourceError } from "../../engine/errors.js"
import type { PathSource } from "../../engine/Source.js"
import { ALGORITHMS, type AlgorithmsWith, type HashAlgorithm, hasKernel } from "../HashAlgorithm.js"
import { simdAvailable } from "./blake3Simd.js"
import { Blake3SubtreeHasher } from "./blake3Tree.js"
import { SHA256_SIMD_IMPLEMENTATION, Sha256SimdHasher, sha256SimdAvailable } from "./sha256Simd.js"
import {
  CheckpointInvalid,
  type IncrementalHasher,
  readCheckpoint,
  type ResumableHasher,
  writeCheckpoint
} from "./IncrementalHasher.js"

/**
 * The fastest well-kept implementation of each algorithm in this environment
 * (DESIGN.md, "Fastest kernel per environment"). Pipelines ask for a hasher by
 * algorithm and never learn which library answered.
 */
export class HashKernel extends Context.Service<HashKernel, {
  readonly make: (algorithm: HashAlgorithm) => Effect.Effect<IncrementalHasher>
  /**
   * `make` without an Effect, where the kernel needs no asynchronous set-up: a batch of
   * small files then makes a hasher per file for the cost of the hasher alone.
   */
  readonly makeSync?: ((algorithm: HashAlgorithm) => IncrementalHasher) | undefined
  /**
   * The lower-case hex digest of `data` in one call, where the kernel that `makeSync` would
   * give for `algorithm` has such a call (Node: node:crypto's `hash`); undefined where it
   * has none. A small file read in one chunk is then hashed without a hasher object, its
   * digest's bytes or a hex conversion in JavaScript (~1 us and ~0.5 KB of garbage a file).
   */
  readonly digestHexSync?: ((algorithm: HashAlgorithm, data: Uint8Array) => string | undefined) | undefined
  /**
   * A hasher whose state can be saved; given a `state` (from `save()`), it continues from
   * there. Fails when the state is damaged or was written by another algorithm,
   * implementation or format, and when this kernel cannot save the algorithm's state
   * (see `resumable`). May be slower than `make`.
   */
  readonly makeResumable: (algorithm: HashAlgorithm, state?: Uint8Array) => Effect.Effect<ResumableHasher, CheckpointInvalid>
  /** Whether `makeResumable` can answer for an algorithm here. */
  readonly resumable: (algorithm: HashAlgorithm) => boolean
  /**
   * The digest of `bytes`, a whole small source already in memory, in one call where the
   * platform has a native one-shot for the algorithm (a browser's WebCrypto `digest`);
   * undefined otherwise (then `make`). A hasher made per file of a batch costs more than
   * its bytes: hash-wasm makes a WebAssembly instance each.
   */
  readonly digestWhole?: ((algorithm: HashAlgorithm, bytes: Uint8Array) => Effect.Effect<Uint8Array> | undefined) | undefined
  /** Which implementation answers for an algorithm, for `doctor` and metrics. */
  readonly describe: (algorithm: HashAlgorithm) => string
  /**
   * BLAKE3 of a whole file by its path, where the platform has a kernel that reads and
   * hashes a file itself on every core (Node's own addon: the file mapped, hashed with
   * rayon). `onProgress` hears of each slice. Undefined (the effect's answer) when it
   * declines the file (not a regular file, too small to be worth it): it is then read and
   * hashed as any other.
   */
  readonly hashFile?: ((
    source: PathSource,
    onProgress: (bytes: number, total: number) => void
  ) => Effect.Effect<{ readonly digest: Uint8Array; readonly bytes: number } | undefined, SourceError>) | undefined
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

/**
 * hash-wasm (its WASM modules inline) loads on the first hash that needs it: a worker that
 * only ever derives keys, or hashes with node:crypto, never pays for it.
 */
const hashWasm = () => import("hash-wasm")

const wasmFactories: Record<AlgorithmsWith<"hashWasm">, () => Promise<IHasher>> = {
  sha256: () => hashWasm().then((m) => m.createSHA256()),
  sha384: () => hashWasm().then((m) => m.createSHA384()),
  sha512: () => hashWasm().then((m) => m.createSHA512()),
  sha1: () => hashWasm().then((m) => m.createSHA1()),
  md5: () => hashWasm().then((m) => m.createMD5()),
  "sha3-256": () => hashWasm().then((m) => m.createSHA3(256)),
  "sha3-512": () => hashWasm().then((m) => m.createSHA3(512)),
  "blake2b-512": () => hashWasm().then((m) => m.createBLAKE2b(512))
}

/** Platform-neutral kernels: WASM from hash-wasm where it has the algorithm, else our BLAKE3 tree kernel. */
export const makePortableHasher = (algorithm: HashAlgorithm): Effect.Effect<IncrementalHasher> =>
  hasKernel(algorithm, "hashWasm")
    ? Effect.promise(() => wasmFactories[algorithm]()).pipe(Effect.map(fromWasm))
    : Effect.sync(blake3Hasher)

/** Whether our SHA-256 kernel answers for `algorithm` here (SHA-256 where WebAssembly SIMD runs). */
const sluiceSha256 = (algorithm: HashAlgorithm): boolean => algorithm === "sha256" && sha256SimdAvailable()

/**
 * `makePortableHasher`, with our SHA-256 kernel (sha256Simd.ts, ~1.25x hash-wasm's) where
 * it loads: the kernels of a browser, where SHA-256 has no faster incremental one.
 */
export const makeWasmHasher = (algorithm: HashAlgorithm): Effect.Effect<IncrementalHasher> =>
  sluiceSha256(algorithm) ? Effect.sync(() => new Sha256SimdHasher()) : makePortableHasher(algorithm)

/** Names written into checkpoints: a state resumes only with the implementation and version that wrote it. */
export const HASH_WASM_IMPLEMENTATION = "hash-wasm@4.13.0"
export const BLAKE3_IMPLEMENTATION = "sluice-blake3@1"
export { SHA256_SIMD_IMPLEMENTATION }

/**
 * Where hash-wasm 4.13.0 keeps input it has not compressed yet: `bufferAt` is an offset
 * into the context struct of its `src/<alg>.c`, which its `save()` returns after a 4-byte
 * tag of its WASM binary. Past the pending bytes that buffer still holds stale input of
 * earlier blocks; `save` zeroes it, so a checkpoint keeps no input the algorithm does not
 * need. `pending(n)` is the count of buffered bytes after `n` bytes of input: BLAKE2b
 * keeps a full last block until more input follows, the others compress a full block at
 * once. Tests pin this to the installed hash-wasm.
 */
interface WasmStateLayout {
  readonly bufferAt: number
  readonly bufferBytes: number
  readonly pending: (n: number) => number
}

const WASM_TAG_BYTES = 4
const wasmStateLayouts: Record<AlgorithmsWith<"hashWasm">, WasmStateLayout> = {
  sha256: { bufferAt: 0, bufferBytes: 64, pending: (n) => n % 64 },
  sha384: { bufferAt: 0, bufferBytes: 128, pending: (n) => n % 128 },
  sha512: { bufferAt: 0, bufferBytes: 128, pending: (n) => n % 128 },
  sha1: { bufferAt: 28, bufferBytes: 64, pending: (n) => n % 64 },
  md5: { bufferAt: 24, bufferBytes: 64, pending: (n) => n % 64 },
  "sha3-256": { bufferAt: 200, bufferBytes: 192, pending: (n) => n % 136 },
  "sha3-512": { bufferAt: 200, bufferBytes: 192, pending: (n) => n % 72 },
  "blake2b-512": { bufferAt: 96, bufferBytes: 128, pending: (n) => n === 0 ? 0 : ((n - 1) % 128) + 1 }
}

/** The part of a resumable hasher that differs per implementation. */
interface HasherCore extends IncrementalHasher {
  /** The implementation's state after `bytesHashed` bytes, a fresh copy the caller may wipe. */
  state(bytesHashed: number): Uint8Array
}

const resumableHasher = (
  algorithm: HashAlgorithm,
  implementation: string,
  core: HasherCore,
  restoredBytes: number
): ResumableHasher => {
  let bytesHashed = restoredBytes
  let finished = false
  return {
    get bytesHashed() {
      return bytesHashed
    },
    update(data) {
      core.update(data)
      bytesHashed += data.length
    },
    digest() {
      finished = true
      return core.digest()
    },
    save() {
      if (finished) throw new Error("save() after digest(): a resumable hasher saves its state before the digest is read")
      const state = core.state(bytesHashed)
      try {
        return writeCheckpoint({ algorithm, implementation, bytesHashed }, state)
      } finally {
        state.fill(0)
      }
    }
  }
}

const refused = (what: string) => (cause: unknown) =>
  new CheckpointInvalid({ detail: `${what} refused the state: ${cause instanceof Error ? cause.message : String(cause)}` })

const wasmCore = (algorithm: AlgorithmsWith<"hashWasm">, state: Uint8Array | undefined) =>
  Effect.gen(function*() {
    const hasher = yield* Effect.promise(() => wasmFactories[algorithm]())
    if (state !== undefined) yield* Effect.try({ try: () => hasher.load(state), catch: refused(HASH_WASM_IMPLEMENTATION) })
    const { bufferAt, bufferBytes, pending } = wasmStateLayouts[algorithm]
    const core: HasherCore = {
      update(data) {
        hasher.update(data)
      },
      digest: () => hasher.digest("binary"),
      state(bytesHashed) {
        const saved = hasher.save()
        saved.fill(0, WASM_TAG_BYTES + bufferAt + pending(bytesHashed), WASM_TAG_BYTES + bufferAt + bufferBytes)
        return saved
      }
    }
    return core
  })

const blake3Core = (state: Uint8Array | undefined) =>
  Effect.gen(function*() {
    const hasher = state === undefined
      ? new Blake3SubtreeHasher(0)
      : yield* Effect.try({ try: () => Blake3SubtreeHasher.restore(state), catch: refused(BLAKE3_IMPLEMENTATION) })
    if (hasher.startChunk !== 0) {
      return yield* new CheckpointInvalid({ detail: `a subtree state (from chunk ${hasher.startChunk}), not a whole hash` })
    }
    const core: HasherCore = {
      update(data) {
        hasher.update(data)
      },
      digest: () => hasher.rootDigest(),
      state: () => hasher.saveState()
    }
    return core
  })

/** Resumable kernels: hash-wasm's, whose state it exports, and our BLAKE3. */
export const makePortableResumable = (
  algorithm: HashAlgorithm,
  checkpoint?: Uint8Array
): Effect.Effect<ResumableHasher, CheckpointInvalid> =>
  Effect.gen(function*() {
    const implementation = hasKernel(algorithm, "hashWasm") ? HASH_WASM_IMPLEMENTATION : BLAKE3_IMPLEMENTATION
    const saved = checkpoint === undefined ? undefined : yield* readCheckpoint(checkpoint, { algorithm, implementation })
    const core = hasKernel(algorithm, "hashWasm") ? yield* wasmCore(algorithm, saved?.state) : yield* blake3Core(saved?.state)
    return resumableHasher(algorithm, implementation, core, saved?.bytesHashed ?? 0)
  })

const sha256Core = (saved: { readonly bytesHashed: number; readonly state: Uint8Array } | undefined) =>
  Effect.gen(function*() {
    const hasher = saved === undefined
      ? new Sha256SimdHasher()
      : yield* Effect.try({ try: () => Sha256SimdHasher.restore(saved.state, saved.bytesHashed), catch: refused(SHA256_SIMD_IMPLEMENTATION) })
    const core: HasherCore = {
      update(data) {
        hasher.update(data)
      },
      digest: () => hasher.digest(),
      state: () => hasher.saveState()
    }
    return core
  })

/**
 * `makePortableResumable`, with our SHA-256 kernel where it loads. Its checkpoints name
 * SHA256_SIMD_IMPLEMENTATION; one written by hash-wasm (an older page, Node) still
 * resumes, on hash-wasm.
 */
export const makeWasmResumable = (
  algorithm: HashAlgorithm,
  checkpoint?: Uint8Array
): Effect.Effect<ResumableHasher, CheckpointInvalid> => {
  if (!sluiceSha256(algorithm)) return makePortableResumable(algorithm, checkpoint)
  const ours = Effect.gen(function*() {
    const saved = checkpoint === undefined
      ? undefined
      : yield* readCheckpoint(checkpoint, { algorithm, implementation: SHA256_SIMD_IMPLEMENTATION })
    const core = yield* sha256Core(saved)
    return resumableHasher(algorithm, SHA256_SIMD_IMPLEMENTATION, core, saved?.bytesHashed ?? 0)
  })
  return checkpoint === undefined
    ? ours
    // Not ours: perhaps hash-wasm's; when neither takes it, ours says why.
    : ours.pipe(Effect.catch((error) => makePortableResumable(algorithm, checkpoint).pipe(Effect.mapError(() => error))))
}

const describeWasm = (algorithm: HashAlgorithm): string =>
  hasKernel(algorithm, "sluice")
    ? `sluice blake3 (${simdAvailable() ? "WebAssembly SIMD" : "JavaScript"})`
    : sluiceSha256(algorithm)
    ? "sluice sha256 (WebAssembly SIMD)"
    : "hash-wasm (WebAssembly)"

/**
 * WebAssembly kernels: hash-wasm's, our BLAKE3, and our SHA-256 where WebAssembly SIMD
 * runs (a browser's; Node hashes SHA-256 with node:crypto and resumes with hash-wasm).
 */
export const layerPortable: Layer.Layer<HashKernel> = Layer.succeed(HashKernel)({
  make: makeWasmHasher,
  makeResumable: makeWasmResumable,
  resumable: (algorithm) => ALGORITHMS[algorithm].resumable,
  describe: describeWasm
})

interface NobleHash {
  readonly create: () => { update(data: Uint8Array): unknown; digest(): Uint8Array }
}

// Loaded on first use, so a program that has WebAssembly never loads them.
const nobleHashes: Record<AlgorithmsWith<"noble">, () => Promise<NobleHash>> = {
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
    hasKernel(algorithm, "noble")
      ? Effect.map(Effect.promise(nobleHashes[algorithm]), fromNoble)
      : Effect.sync(blake3Hasher),
  // @noble/hashes has no public way to export or import a hash state; our kernel has.
  makeResumable: (algorithm, state) =>
    hasKernel(algorithm, "sluice")
      ? makePortableResumable(algorithm, state)
      : Effect.fail(
        new CheckpointInvalid({
          detail: `the pure-JS kernel cannot save or restore ${algorithm} state (@noble/hashes does not export it); without WebAssembly only blake3 is resumable`
        })
      ),
  resumable: (algorithm) => hasKernel(algorithm, "sluice"),
  describe: (algorithm) => hasKernel(algorithm, "sluice") ? "sluice blake3 (JS)" : "@noble/hashes (JS), not resumable"
})
