import { Layer } from "effect"
import { type KdfFunctions, KdfKernel, layerPortable, makeKdfKernel, memoryHardFunctions } from "../derive/KdfKernel.js"

/**
 * WebCrypto's `deriveBits`: PBKDF2 and HKDF are native in every browser (and in Node's
 * global `crypto.subtle`), off the page's JavaScript and as fast as node:crypto. The key
 * material is imported as a non-extractable `CryptoKey` for this one call.
 */
const WEB_HASH = { sha256: "SHA-256", sha512: "SHA-512" } as const

const subtle = () => globalThis.crypto.subtle

/** A copy in an `ArrayBuffer` of its own: WebCrypto refuses views of a SharedArrayBuffer. */
const buffer = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(bytes)

/** The secret as a `CryptoKey`; the copy handed to WebCrypto is wiped once it is imported. */
const importSecret = async (secret: Uint8Array, algorithm: "PBKDF2" | "HKDF") => {
  const copy = buffer(secret)
  try {
    return await subtle().importKey("raw", copy, algorithm, false, ["deriveBits"])
  } finally {
    copy.fill(0)
  }
}

export const functions: KdfFunctions = {
  pbkdf2: async (hash, { iterations, length, password, salt }) => {
    const key = await importSecret(password, "PBKDF2")
    const bits = await subtle().deriveBits({ name: "PBKDF2", hash: WEB_HASH[hash], salt: buffer(salt), iterations }, key, length * 8)
    return new Uint8Array(bits)
  },
  hkdf: async (hash, { ikm, info, length, salt }) => {
    const key = await importSecret(ikm, "HKDF")
    const bits = await subtle().deriveBits({ name: "HKDF", hash: WEB_HASH[hash], salt: buffer(salt), info: buffer(info) }, key, length * 8)
    return new Uint8Array(bits)
  },
  // WebCrypto has neither scrypt nor Argon2: hash-wasm's WebAssembly, on the worker.
  ...memoryHardFunctions
}

export const KERNEL_NAME = "WebCrypto + hash-wasm"

/** Whether this environment has WebCrypto (a page served over plain HTTP does not). */
export const available = (): boolean => globalThis.crypto?.subtle !== undefined

export const layer: Layer.Layer<KdfKernel> = Layer.succeed(KdfKernel)(makeKdfKernel(KERNEL_NAME, functions))

/** WebCrypto where the page has it; noble where it does not (an insecure context). */
export const layerBest: Layer.Layer<KdfKernel> = Layer.suspend(() => available() ? layer : layerPortable)
