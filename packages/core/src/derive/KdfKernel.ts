import { hkdf } from "@noble/hashes/hkdf.js"
import { pbkdf2Async } from "@noble/hashes/pbkdf2.js"
import { sha256, sha512 } from "@noble/hashes/sha2.js"
import { Context, Effect, Layer } from "effect"
import { type DeriveError, deriveError, KdfFailed } from "./DeriveError.js"
import { type DeriveParams, hashOf, type HkdfParams, isPbkdf2, type KdfHash, type Pbkdf2Params } from "./DeriveParams.js"

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

/** The two functions a kernel is made of; each resolves to exactly `length` new bytes. */
export interface KdfFunctions {
  readonly pbkdf2: (hash: KdfHash, params: Pbkdf2Params) => Promise<Uint8Array> | Uint8Array
  readonly hkdf: (hash: KdfHash, params: HkdfParams) => Promise<Uint8Array> | Uint8Array
}

/**
 * The key in an array of its own: a Node `Buffer` may be a slice of a shared pool, which
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
      try: async () => {
        const hash = hashOf(params.algorithm)
        return owned(isPbkdf2(params) ? await functions.pbkdf2(hash, params) : await functions.hkdf(hash, params))
      },
      catch: () => deriveError(new KdfFailed({ algorithm: params.algorithm, kernel: name }))
    })
})

const nobleHash = { sha256, sha512 } as const

/**
 * noble-hashes, pure JavaScript: runs everywhere, 5-10 times slower than native PBKDF2.
 * `pbkdf2Async` gives the event loop a turn every few milliseconds, so a worker still
 * hears an interrupt during a long derivation.
 */
export const portableFunctions: KdfFunctions = {
  pbkdf2: (hash, { iterations, length, password, salt }) =>
    pbkdf2Async(nobleHash[hash], password, salt, { c: iterations, dkLen: length }),
  hkdf: (hash, { ikm, info, length, salt }) => hkdf(nobleHash[hash], ikm, salt, info, length)
}

export const NOBLE_KERNEL = "noble-hashes@2.4.0"

export const layerPortable: Layer.Layer<KdfKernel> = Layer.succeed(KdfKernel)(makeKdfKernel(NOBLE_KERNEL, portableFunctions))
