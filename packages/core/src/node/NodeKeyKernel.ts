import { Effect, Layer } from "effect"
import * as crypto from "node:crypto"
import type { Bytes } from "../keys/der.js"
import { GenerationFailed, keygenError, KeyTypeUnavailable } from "../keys/KeyError.js"
import { KeyKernel } from "../keys/KeyKernel.js"
import type { KeyPair } from "../keys/KeyPair.js"
import { ecInfo, KEY_INFO, type KeyType, pqInfo } from "../keys/KeyType.js"

/**
 * node:crypto (OpenSSL): every type, ML-DSA and ML-KEM with OpenSSL 3.5 (Node 24).
 * `generateKeyPair` runs on libuv's thread pool, so the worker's own thread stays free to
 * hear an interrupt during a long RSA prime search. The parts come out as JWK (base64url
 * decoded here) and, for ML-*, as the raw seed and public key.
 */
const nodeType = (type: KeyType): { readonly name: string; readonly options: object } => {
  const info = KEY_INFO[type]
  switch (info.family) {
    case "okp":
      return { name: type, options: {} }
    case "ec":
      return { name: "ec", options: { namedCurve: info.crv } }
    case "rsa":
      return { name: "rsa", options: { modulusLength: info.bits, publicExponent: 65537 } }
    case "pq":
      return { name: type, options: {} }
  }
}

const b64u = (s: string | undefined): Bytes => {
  if (s === undefined) throw new Error("a JWK member is missing")
  const buffer = Buffer.from(s, "base64url")
  const out = new Uint8Array(buffer)
  buffer.fill(0)
  return out
}

/** The parts of a node:crypto key pair. */
export const partsOf = (type: KeyType, privateKey: crypto.KeyObject, publicKey: crypto.KeyObject): KeyPair => {
  const info = KEY_INFO[type]
  if (info.family === "pq") {
    const seedBuffer = privateKey.export({ format: "raw-seed" } as unknown as crypto.KeyExportOptions<"der">)
    const seed = new Uint8Array(seedBuffer)
    seedBuffer.fill(0)
    const pub = new Uint8Array(publicKey.export({ format: "raw-public" } as unknown as crypto.KeyExportOptions<"der">))
    if (seed.length !== pqInfo(type as "ml-dsa-44").seedBytes) throw new Error("unexpected seed size")
    return { family: "pq", type: type as "ml-dsa-44", seed, publicKey: pub }
  }
  const jwk = privateKey.export({ format: "jwk" })
  switch (info.family) {
    case "okp":
      return { family: "okp", type: type as "ed25519", seed: b64u(jwk.d), publicKey: b64u(jwk.x) }
    case "ec": {
      const { size } = ecInfo(type as "ecdsa-p256")
      const point = new Uint8Array(1 + 2 * size)
      point[0] = 4
      point.set(b64u(jwk.x), 1)
      point.set(b64u(jwk.y), 1 + size)
      return { family: "ec", type: type as "ecdsa-p256", d: b64u(jwk.d), publicKey: point }
    }
    case "rsa":
      return {
        family: "rsa",
        type: type as "rsa-2048",
        n: b64u(jwk.n),
        e: b64u(jwk.e),
        d: b64u(jwk.d),
        p: b64u(jwk.p),
        q: b64u(jwk.q),
        dp: b64u(jwk.dp),
        dq: b64u(jwk.dq),
        qi: b64u(jwk.qi)
      }
  }
}

const supported = (type: KeyType): boolean => {
  const { name } = nodeType(type)
  return name === "ec" || name === "rsa" || probe(name)
}

const probed = new Map<string, boolean>()
/** Whether this Node's OpenSSL has the type (ML-* need OpenSSL 3.5): asked once. */
const probe = (name: string): boolean => {
  let known = probed.get(name)
  if (known === undefined) {
    try {
      crypto.generateKeyPairSync(name as "ed25519")
      known = true
    } catch {
      known = false
    }
    probed.set(name, known)
  }
  return known
}

export const kernelName = (): string => `node:crypto (OpenSSL ${process.versions.openssl})`

export const make = (): KeyKernel["Service"] => {
  const name = kernelName()
  return {
    name,
    supports: supported,
    generate: (type) =>
      Effect.suspend(() => {
        if (!supported(type)) return Effect.fail(keygenError(new KeyTypeUnavailable({ type, kernel: name })))
        const { name: nodeName, options } = nodeType(type)
        return Effect.callback<KeyPair, ReturnType<typeof keygenError>>((resume) => {
          crypto.generateKeyPair(nodeName as "rsa", options as crypto.RSAKeyPairKeyObjectOptions, (error, publicKey, privateKey) => {
            if (error) return resume(Effect.fail(keygenError(new GenerationFailed({ type, kernel: name }))))
            try {
              resume(Effect.succeed(partsOf(type, privateKey, publicKey)))
            } catch {
              resume(Effect.fail(keygenError(new GenerationFailed({ type, kernel: name }))))
            }
          })
        })
      })
  }
}

export const layer: Layer.Layer<KeyKernel> = Layer.sync(KeyKernel)(make)
