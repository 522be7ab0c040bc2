import { blake3 } from "@noble/hashes/blake3.js"
import { Effect, Layer } from "effect"
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { blake3Vectors as publishedBlake3Vectors } from "@sluice/vectors"
import { describe, expect, it } from "vitest"
import { HASH_ALGORITHMS, type HashAlgorithm } from "../HashAlgorithm.js"
import * as NodeHashKernel from "../../node/NodeHashKernel.js"
import { randomBytes } from "./blake3.testkit.js"
import {
  BLAKE3_IMPLEMENTATION,
  HASH_WASM_IMPLEMENTATION,
  SHA256_SIMD_IMPLEMENTATION,
  HashKernel,
  layerPortable,
  layerPureJs
} from "./HashKernel.js"
import { CheckpointInvalid, readCheckpoint, toHex, writeCheckpoint } from "./IncrementalHasher.js"
import { PUBLISHED_VECTORS, vectorBytes } from "./publishedVectors.js"
import { opensslName } from "../../node/NodeHashKernel.js"

type Kernel = HashKernel["Service"]

const withKernel = <A, E>(layer: Layer.Layer<HashKernel>, body: (kernel: Kernel) => Effect.Effect<A, E>): Promise<A> =>
  Effect.runPromise(Effect.gen(function*() {
    return yield* body(yield* HashKernel)
  }).pipe(Effect.provide(layer)))

const failureOf = <A>(layer: Layer.Layer<HashKernel>, body: (kernel: Kernel) => Effect.Effect<A, CheckpointInvalid>) =>
  withKernel(layer, (kernel) => Effect.flip(body(kernel)))


const reference = (algorithm: HashAlgorithm, input: Uint8Array): string =>
  algorithm === "blake3" ? toHex(blake3(input)) : createHash(opensslName[algorithm]).update(input).digest("hex")

/** Bytes of input each algorithm keeps pending (not yet compressed) after `n` bytes. */
const BLOCK_BYTES: Record<HashAlgorithm, number> = {
  sha256: 64,
  sha384: 128,
  sha512: 128,
  sha1: 64,
  md5: 64,
  "sha3-256": 136,
  "sha3-512": 72,
  "blake2b-512": 128,
  blake3: 64
}
/** BLAKE2b and BLAKE3 compress a block only once input follows it (it may be the last, which is finalized differently). */
const pendingBytes = (algorithm: HashAlgorithm, n: number): number => {
  const block = BLOCK_BYTES[algorithm]
  if (algorithm === "blake2b-512" || algorithm === "blake3") return n === 0 ? 0 : ((n - 1) % block) + 1
  return n % block
}

/**
 * Hashes `input` saving a checkpoint at each of `cuts` (ascending) and continuing in a
 * hasher restored from it, as a new process would. Between cuts the input goes in two
 * updates, so update boundaries differ from checkpoint boundaries.
 */
const hashThroughCheckpoints = (kernel: Kernel, algorithm: HashAlgorithm, input: Uint8Array, cuts: ReadonlyArray<number>) =>
  Effect.gen(function*() {
    let hasher = yield* kernel.makeResumable(algorithm)
    let at = 0
    for (const cut of [...cuts, input.length]) {
      const mid = at + Math.floor((cut - at) / 3)
      hasher.update(input.subarray(at, mid))
      hasher.update(input.subarray(mid, cut))
      at = cut
      if (cut === input.length) break
      const checkpoint = hasher.save()
      hasher = yield* kernel.makeResumable(algorithm, checkpoint)
      expect(hasher.bytesHashed).toBe(cut)
    }
    return toHex(hasher.digest())
  })

/** `count` sorted cut points in [0, size], from a seeded generator. */
const randomCuts = (size: number, count: number, seed: number): Array<number> => {
  const bytes = randomBytes(count * 4, seed)
  const view = new DataView(bytes.buffer)
  return Array.from({ length: count }, (_, i) => view.getUint32(i * 4, true) % (size + 1)).sort((a, b) => a - b)
}

const blake3Vectors = publishedBlake3Vectors().cases

/** The official BLAKE3 vectors' input: `length` bytes of 0, 1, ..., 250, 0, 1, ... */
const blake3VectorInput = (length: number): Uint8Array => Uint8Array.from({ length }, (_, i) => i % 251)

const sixBytes = (bytes: Uint8Array, at: number): number =>
  bytes[at]! + bytes[at + 1]! * 2 ** 8 + bytes[at + 2]! * 2 ** 16 + bytes[at + 3]! * 2 ** 24 + bytes[at + 4]! * 2 ** 32 +
  bytes[at + 5]! * 2 ** 40

const sixByteWindows = (bytes: Uint8Array): Set<number> => {
  const windows = new Set<number>()
  for (let at = 0; at + 6 <= bytes.length; at++) windows.add(sixBytes(bytes, at))
  return windows
}

const kernels = { "node:crypto": NodeHashKernel.layer, portable: layerPortable, "pure JS": layerPureJs }

describe.each(Object.entries(kernels))("resumable hashers of the %s kernel", (_name, layer) => {
  const algorithms = HASH_ALGORITHMS.filter((algorithm) => withKernelSync(layer, (kernel) => kernel.resumable(algorithm)))

  describe.each(algorithms)("%s", (algorithm) => {
    it("matches the published vectors, with checkpoints mid-block and at block boundaries", async () => {
      const vectors = algorithm === "blake3"
        ? blake3Vectors.map((c) => ({ input: blake3VectorInput(c.input_len), digest: c.hash.slice(0, 64) }))
        : PUBLISHED_VECTORS.filter((v) => v.algorithm === algorithm).map((v) => ({ input: vectorBytes(v), digest: v.digest }))
      expect(vectors.length).toBeGreaterThan(0)
      for (const { digest, input } of vectors) {
        const block = BLOCK_BYTES[algorithm]
        const cuts = [1, block - 1, block, block + 1, 2 * block, 1024, 1025, 4096, 5000, 65_536, 500_000]
          .filter((cut) => cut <= input.length)
        expect(await withKernel(layer, (kernel) => hashThroughCheckpoints(kernel, algorithm, input, cuts))).toBe(digest)
      }
    })

    it("matches node:crypto (BLAKE3: @noble/hashes) with checkpoints at random points", async () => {
      for (let round = 0; round < 12; round++) {
        const size = randomCuts(round < 2 ? 3_000_000 : 200_000, 1, 1000 + round)[0]!
        const input = randomBytes(size, round + 1)
        const cuts = randomCuts(size, 1 + (round % 5), round + 77)
        expect(await withKernel(layer, (kernel) => hashThroughCheckpoints(kernel, algorithm, input, cuts))).toBe(
          reference(algorithm, input)
        )
      }
    })

    it("saves before any input, and counts the bytes hashed", async () => {
      const input = randomBytes(1000, 3)
      const digest = await withKernel(layer, (kernel) =>
        Effect.gen(function*() {
          const fresh = yield* kernel.makeResumable(algorithm)
          const restored = yield* kernel.makeResumable(algorithm, fresh.save())
          expect(restored.bytesHashed).toBe(0)
          restored.update(input)
          expect(restored.bytesHashed).toBe(1000)
          return toHex(restored.digest())
        }))
      expect(digest).toBe(reference(algorithm, input))
    })

    it("keeps no input in a checkpoint beyond the pending block", async () => {
      const input = randomBytes(4000, 11)
      const block = BLOCK_BYTES[algorithm]
      // One update; block-sized updates; small updates that go through the buffer, then a large one.
      const feeds: ReadonlyArray<ReadonlyArray<number>> = [[3000], Array(23).fill(block), [...Array(200).fill(7), 1600]]
      for (const pieces of feeds) {
        await withKernel(layer, (kernel) =>
          Effect.gen(function*() {
            const hasher = yield* kernel.makeResumable(algorithm)
            let at = 0
            for (const piece of pieces) {
              hasher.update(input.subarray(at, at + piece))
              at += piece
              const checkpoint = hasher.save()
              const kept = at - pendingBytes(algorithm, at)
              const windows = sixByteWindows(checkpoint)
              const leaked: Array<number> = []
              for (let i = 0; i + 6 <= kept; i++) if (windows.has(sixBytes(input, i))) leaked.push(i)
              expect(leaked, `offsets of input bytes found in the checkpoint after ${at} bytes`).toEqual([])
              // The pending bytes themselves are there: the state needs them.
              if (at - kept >= 6) expect(Buffer.from(checkpoint).indexOf(input.subarray(kept, at))).toBeGreaterThan(0)
            }
          }))
      }
    })

    it("refuses a checkpoint of another algorithm", async () => {
      for (const other of algorithms.filter((a) => a !== algorithm)) {
        const error = await failureOf(layer, (kernel) =>
          Effect.gen(function*() {
            const hasher = yield* kernel.makeResumable(other)
            hasher.update(randomBytes(100, 1))
            return yield* kernel.makeResumable(algorithm, hasher.save())
          }))
        expect(error).toBeInstanceOf(CheckpointInvalid)
        expect(error.detail).toContain(`${other} state`)
      }
    })

    it("refuses a truncated, extended or damaged checkpoint", async () => {
      const checkpoint = await withKernel(layer, (kernel) =>
        Effect.gen(function*() {
          const hasher = yield* kernel.makeResumable(algorithm)
          hasher.update(randomBytes(777, 2))
          return hasher.save()
        }))
      const refuse = (bytes: Uint8Array) => failureOf(layer, (kernel) => kernel.makeResumable(algorithm, bytes))
      for (let length = 0; length < checkpoint.length; length++) {
        expect(await refuse(checkpoint.subarray(0, length))).toBeInstanceOf(CheckpointInvalid)
      }
      expect(await refuse(Uint8Array.of(...checkpoint, 0))).toBeInstanceOf(CheckpointInvalid)
      for (let at = 0; at < checkpoint.length; at++) {
        const damaged = checkpoint.slice()
        damaged[at] = damaged[at]! ^ (1 << (at % 8))
        expect(await refuse(damaged)).toBeInstanceOf(CheckpointInvalid)
      }
    })

    it("refuses a state written by another implementation, version or format", async () => {
      const checkpoint = await withKernel(layer, (kernel) =>
        Effect.gen(function*() {
          const hasher = yield* kernel.makeResumable(algorithm)
          hasher.update(randomBytes(100, 4))
          return hasher.save()
        }))
      const implementation = algorithm === "blake3"
        ? BLAKE3_IMPLEMENTATION
        : algorithm === "sha256" && layer === layerPortable
        ? SHA256_SIMD_IMPLEMENTATION
        : HASH_WASM_IMPLEMENTATION
      const { bytesHashed, state } = await Effect.runPromise(readCheckpoint(checkpoint, { algorithm, implementation }))
      const refuse = (bytes: Uint8Array) => failureOf(layer, (kernel) => kernel.makeResumable(algorithm, bytes))

      const otherVersion = implementation.replace(/@.*/, "@0.0.1")
      const error = await refuse(writeCheckpoint({ algorithm, implementation: otherVersion, bytesHashed }, state))
      expect(error.detail).toContain(`written by ${otherVersion}`)

      const nextFormat = checkpoint.slice()
      nextFormat[4] = 2
      expect((await refuse(nextFormat)).detail).toContain("format version 2")

      // A well-formed checkpoint around a state the implementation itself refuses.
      for (const inner of [state.subarray(1), Uint8Array.of(state[0]! ^ 1, ...state.subarray(1)), new Uint8Array(0)]) {
        expect(await refuse(writeCheckpoint({ algorithm, implementation, bytesHashed }, inner))).toBeInstanceOf(CheckpointInvalid)
      }
    })

    it("refuses to save after the digest is read", async () => {
      await withKernel(layer, (kernel) =>
        Effect.gen(function*() {
          const hasher = yield* kernel.makeResumable(algorithm)
          hasher.update(randomBytes(10, 5))
          hasher.digest()
          expect(() => hasher.save()).toThrow(/after digest/)
        }))
    })
  })
})

/** `resumable` is a plain function of the service; read it without running an effect per call. */
function withKernelSync<A>(layer: Layer.Layer<HashKernel>, body: (kernel: Kernel) => A): A {
  return Effect.runSync(Effect.gen(function*() {
    return body(yield* HashKernel)
  }).pipe(Effect.provide(layer)))
}

describe("which kernels resume what", () => {
  it("the portable and node:crypto kernels resume every algorithm", () => {
    for (const algorithm of HASH_ALGORITHMS) {
      expect(withKernelSync(layerPortable, (kernel) => kernel.resumable(algorithm))).toBe(true)
      expect(withKernelSync(NodeHashKernel.layer, (kernel) => kernel.resumable(algorithm))).toBe(true)
    }
    expect(withKernelSync(NodeHashKernel.layer, (kernel) => kernel.describe("sha256"))).toContain("resumable: hash-wasm")
  })

  it("the pure-JS kernel resumes BLAKE3 only, and says why not the others", async () => {
    for (const algorithm of HASH_ALGORITHMS.filter((a) => a !== "blake3")) {
      expect(withKernelSync(layerPureJs, (kernel) => kernel.resumable(algorithm))).toBe(false)
      const error = await failureOf(layerPureJs, (kernel) => kernel.makeResumable(algorithm))
      expect(error).toBeInstanceOf(CheckpointInvalid)
      expect(error.detail).toContain("@noble/hashes does not export it")
    }
    expect(withKernelSync(layerPureJs, (kernel) => kernel.resumable("blake3"))).toBe(true)
  })

  it("a checkpoint moves between kernels that share the implementation", async () => {
    const input = randomBytes(100_000, 8)
    for (const algorithm of HASH_ALGORITHMS) {
      const checkpoint = await withKernel(NodeHashKernel.layer, (kernel) =>
        Effect.gen(function*() {
          const hasher = yield* kernel.makeResumable(algorithm)
          hasher.update(input.subarray(0, 40_001))
          return hasher.save()
        }))
      const targets = algorithm === "blake3" ? [layerPortable, layerPureJs] : [layerPortable]
      for (const target of targets) {
        const digest = await withKernel(target, (kernel) =>
          Effect.gen(function*() {
            const hasher = yield* kernel.makeResumable(algorithm, checkpoint)
            hasher.update(input.subarray(40_001))
            return toHex(hasher.digest())
          }))
        expect(digest).toBe(reference(algorithm, input))
      }
    }
  })

  it("names the installed hash-wasm version in its checkpoints", () => {
    const installed = JSON.parse(
      readFileSync(new URL("../../../node_modules/hash-wasm/package.json", import.meta.url), "utf8")
    ) as { readonly version: string }
    // A new hash-wasm may lay its state out differently: check the buffer offsets in HashKernel.ts, then bump.
    expect(HASH_WASM_IMPLEMENTATION).toBe(`hash-wasm@${installed.version}`)
  })
})
