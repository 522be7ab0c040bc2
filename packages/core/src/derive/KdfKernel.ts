import { Context, Effect, Layer } from "effect"
import { type DeriveError, deriveError, KdfFailed } from "./DeriveError.js"
import type { Argon2idParams, DeriveParams, HkdfParams, KdfHash, Pbkdf2Params, ScryptParams } from "./params.js"
import { callKdf } from "./startedDerivation.js"

/**
 * The fastest well-kept PBKDF2 and HKDF in this environment: node:crypto in Node,
 * WebCrypto in a browser, noble anywhere. Parameters reach a kernel already validated.
 */
export class KdfKernel extends Context.Service<KdfKernel, {
  /** Which implementation answers, for `doctor`, tests and errors. */
  readonly name: string
  /** A new array of exactly `length` bytes that owns its whole buffer (it can be transferred). */
  readonly derive: (params: DeriveParams) => Effect.Effect<Uint8Array<ArrayBuffer>, DeriveError>
}>()("@sluice/core/KdfKernel") {}

/** The functions a kernel is made of; each resolves to exactly `length` new bytes. */
export interface KdfFunctions {
  readonly pbkdf2: (hash: KdfHash, params: Pbkdf2Params) => Promise<Uint8Array> | Uint8Array
  readonly hkdf: (hash: KdfHash, params: HkdfParams) => Promise<Uint8Array> | Uint8Array
  readonly scrypt: (params: ScryptParams) => Promise<Uint8Array> | Uint8Array
  readonly argon2id: (params: Argon2idParams) => Promise<Uint8Array> | Uint8Array
}

/**
 * The key in an array of its own: a Node buffer may be a slice of a shared pool, which
 * must neither be transferred (it would take the pool along) nor keep the key after us.
 */
const owned = (key: Uint8Array): Uint8Array<ArrayBuffer> => {
  if (key.buffer instanceof ArrayBuffer && key.byteOffset === 0 && key.buffer.byteLength === key.length) {
    return key as Uint8Array<ArrayBuffer>
  }
  const copy = new Uint8Array(key)
  key.fill(0)
  return copy
}

/**
 * A kernel over two functions. What they throw is dropped: an implementation's message
 * may quote its input, and the reason says which kernel failed.
 */
export const makeKdfKernel = (name: string, functions: KdfFunctions): KdfKernel["Service"] => ({
  name,
  derive: (params) =>
    Effect.tryPromise({
      try: async () => owned(await callKdf(functions, params)),
      catch: () => deriveError(new KdfFailed({ algorithm: params.algorithm, kernel: name }))
    })
})

/**
 * scrypt and Argon2id in WebAssembly (hash-wasm), wherever WebAssembly runs: the browser's
 * and the portable kernel's. Measured side by side on this machine (2 cores, Node 24),
 * best of 3: Argon2id 64 MiB t=3 p=4 in 489 ms (node:crypto 319 ms, noble 1356 ms); scrypt
 * N=2^17 r=8 p=1 in 516 ms (node:crypto 478 ms, noble 775 ms). hash-wasm has no Argon2
 * associated data, and refuses an empty password ("Password must be specified"), which
 * Argon2 allows (RFC 9106 §3.1: 0 to 2^32-1 bytes): with either, noble's Argon2id answers
 * (pure JavaScript, ~3x slower).
 * A WASM call holds its thread to the end; it runs on a worker, whose deadline ends it.
 */
// Loaded on the first derivation that needs them: a program or worker that never runs a
// memory-hard KDF never evaluates their WebAssembly.
const hashWasm = () => import("hash-wasm")
const nobleArgon2 = () => import("@noble/hashes/argon2.js")

export const memoryHardFunctions: Pick<KdfFunctions, "scrypt" | "argon2id"> = {
  scrypt: ({ length, logN, p, password, r, salt }) =>
    hashWasm().then(({ scrypt }) =>
      scrypt({ password, salt, costFactor: 2 ** logN, blockSize: r, parallelism: p, hashLength: length, outputType: "binary" })
    ),
  argon2id: (params) => {
    const associatedData = params.associatedData
    return (associatedData !== undefined && associatedData.length > 0) || params.password.length === 0
      ? nobleArgon2().then(({ argon2idAsync }) => argon2idAsync(params.password, params.salt, {
        m: params.memoryKiB,
        t: params.passes,
        p: params.parallelism,
        dkLen: params.length,
        ...(params.secret === undefined ? {} : { key: params.secret }),
        ...(associatedData === undefined || associatedData.length === 0 ? {} : { personalization: associatedData })
      }))
      : hashWasm().then(({ argon2id }) => argon2id({
        password: params.password,
        salt: params.salt,
        ...(params.secret === undefined || params.secret.length === 0 ? {} : { secret: params.secret }),
        memorySize: params.memoryKiB,
        iterations: params.passes,
        parallelism: params.parallelism,
        hashLength: params.length,
        outputType: "binary"
      }))
  }
}

/**
 * noble's PBKDF2, HKDF and hashes, loaded with the first derivation that uses them: a
 * platform whose kernel is its own (node:crypto, WebCrypto) never evaluates them.
 */
const noble = () =>
  Promise.all([import("@noble/hashes/pbkdf2.js"), import("@noble/hashes/hkdf.js"), import("@noble/hashes/sha2.js")]).then(
    ([{ pbkdf2Async }, { hkdf }, { sha256, sha512 }]) => ({ pbkdf2Async, hkdf, hash: { sha256, sha512 } as const })
  )

/**
 * noble-hashes, pure JavaScript: runs everywhere, 5-10 times slower than native PBKDF2.
 * `pbkdf2Async` gives the event loop a turn every few milliseconds, so a worker still
 * hears an interrupt during a long derivation. scrypt and Argon2id are hash-wasm's,
 * faster than noble's here (see `memoryHardFunctions`).
 */
export const portableFunctions: KdfFunctions = {
  pbkdf2: (hash, { iterations, length, password, salt }) =>
    noble().then(({ hash: hashes, pbkdf2Async }) => pbkdf2Async(hashes[hash], password, salt, { c: iterations, dkLen: length })),
  hkdf: (hash, { ikm, info, length, salt }) => noble().then(({ hash: hashes, hkdf }) => hkdf(hashes[hash], ikm, salt, info, length)),
  ...memoryHardFunctions
}

export const NOBLE_KERNEL = "noble-hashes@2.4.0 + hash-wasm@4.13.0"

export const layerPortable: Layer.Layer<KdfKernel> = Layer.succeed(KdfKernel)(makeKdfKernel(NOBLE_KERNEL, portableFunctions))
