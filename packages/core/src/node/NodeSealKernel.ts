/**
 * `sluice keygen --seal-to`'s primitives in Node (`SealKernel`): libsodium's X25519
 * (`crypto_scalarmult`, `crypto_scalarmult_base`), the fastest ChaCha20-Poly1305 here
 * (`nodeAead`) and libsodium's CSPRNG; noble's X25519 and `crypto.getRandomValues` where
 * sodium-native does not load (`SLUICE_NATIVE=0`, a platform without its binary).
 * Measured here (one thread, a whole sealed Ed25519 OpenSSH key): see NodeSealKernel.test.ts.
 */
import { nobleSealKernel, type SealKernel } from "../age/sealKey.js"
import { nodeAead } from "./NodeAgeAead.js"
import { NATIVE_SODIUM_IMPLEMENTATION, nativeSodium } from "./nativeSodium.js"

const isAllZero = (bytes: Uint8Array): boolean => {
  let acc = 0
  for (let i = 0; i < bytes.length; i++) acc |= bytes[i]!
  return acc === 0
}

export const makeNodeSealKernel = (options: { readonly native?: boolean } = {}): SealKernel => {
  const sodium = options.native === false ? undefined : nativeSodium()
  const aead = nodeAead(options)
  if (sodium === undefined) return { ...nobleSealKernel, name: `${nobleSealKernel.name} X25519, ${aead.name}`, aead }
  return {
    name: `${NATIVE_SODIUM_IMPLEMENTATION} X25519, ${aead.name}`,
    x25519: (out, scalar, point) => {
      try {
        sodium.crypto_scalarmult(out, scalar, point)
      } catch {
        out.fill(0)
        return false
      }
      return !isAllZero(out)
    },
    x25519Base: (out, scalar) => sodium.crypto_scalarmult_base(out, scalar),
    aead,
    random: (out) => sodium.randombytes_buf(out)
  }
}
