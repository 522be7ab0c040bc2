import { createCipheriv, createDecipheriv } from "node:crypto"
import { type Aead, checkAeadSizes, sealRun, TAG_SIZE } from "../age/stream.js"
import { nobleAead } from "../age/nobleAead.js"
import { nativeAgeAead } from "./nativeAgeAead.js"
import { NATIVE_SODIUM_IMPLEMENTATION, type NativeSodium, nativeSodium } from "./nativeSodium.js"

/**
 * age's ChaCha20-Poly1305 in Node (design §4, per CPU-second here): @sluice/native's runs
 * of chunks over OpenSSL ~3.5 GB/s (nativeAgeAead.ts); one 64 KiB chunk at a time,
 * sodium-native ~1.77 GB/s, node:crypto ~1.25-1.38 GB/s (one cipher object per chunk: its
 * setup is the cost), noble ~0.16 GB/s. `nodeAead()` takes the fastest that loads.
 */

/** libsodium's `crypto_aead_chacha20poly1305_ietf_*`: verifies the tag before it writes any plaintext. */
export const sodiumAead = (sodium: NativeSodium): Aead => ({
  name: NATIVE_SODIUM_IMPLEMENTATION,
  // libsodium reads each block before it writes it, and checks the tag before decrypting.
  inPlace: true,
  seal: (key, nonce, plaintext, out, aad) => {
    checkAeadSizes(key, nonce, out, plaintext.length + TAG_SIZE)
    sodium.crypto_aead_chacha20poly1305_ietf_encrypt(out, plaintext, aad ?? null, null, nonce, key)
  },
  open: (key, nonce, ciphertext, out, aad) => {
    checkAeadSizes(key, nonce, out, ciphertext.length - TAG_SIZE)
    try {
      sodium.crypto_aead_chacha20poly1305_ietf_decrypt(out, null, ciphertext, aad ?? null, nonce, key)
      return true
    } catch {
      return false
    }
  }
})

/** OpenSSL's `chacha20-poly1305` through node:crypto, one cipher object per call. */
export const nodeCryptoAead: Aead = {
  name: `node:crypto chacha20-poly1305 (OpenSSL ${process.versions.openssl})`,
  seal: (key, nonce, plaintext, out, aad) => {
    checkAeadSizes(key, nonce, out, plaintext.length + TAG_SIZE)
    const cipher = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: TAG_SIZE })
    if (aad !== undefined) cipher.setAAD(aad, { plaintextLength: plaintext.length })
    out.set(cipher.update(plaintext))
    cipher.final()
    out.set(cipher.getAuthTag(), plaintext.length)
  },
  open: (key, nonce, ciphertext, out, aad) => {
    checkAeadSizes(key, nonce, out, ciphertext.length - TAG_SIZE)
    const body = ciphertext.subarray(0, ciphertext.length - TAG_SIZE)
    const decipher = createDecipheriv("chacha20-poly1305", key, nonce, { authTagLength: TAG_SIZE })
    decipher.setAuthTag(ciphertext.subarray(body.length))
    if (aad !== undefined) decipher.setAAD(aad, { plaintextLength: body.length })
    // OpenSSL decrypts before it checks the tag: what it wrote is wiped when the tag fails.
    out.set(decipher.update(body))
    try {
      decipher.final()
      return true
    } catch {
      out.fill(0)
      return false
    }
  }
}

/**
 * The fastest ChaCha20-Poly1305 here: Sluice's addon over OpenSSL for runs of chunks, else
 * sodium-native, else node:crypto (noble only if neither can). `native: false` leaves out
 * both addons; `runs: false` (or `SLUICE_NATIVE_AEAD=0`) Sluice's alone.
 */
export const nodeAead = (options: { readonly native?: boolean; readonly runs?: boolean } = {}): Aead => {
  const sodium = options.native === false ? undefined : nativeSodium()
  const single = sodium !== undefined ? sodiumAead(sodium) : nodeCryptoAeadWorks() ? nodeCryptoAead : nobleAead
  return (options.native === false || options.runs === false ? undefined : nativeAgeAead(single)) ?? single
}

let nodeCryptoAnswers: boolean | undefined
const nodeCryptoAeadWorks = (): boolean => {
  if (nodeCryptoAnswers === undefined) {
    try {
      nodeCryptoAead.seal(new Uint8Array(32), new Uint8Array(12), new Uint8Array(1), new Uint8Array(17))
      nodeCryptoAnswers = true
    } catch {
      nodeCryptoAnswers = false
    }
  }
  return nodeCryptoAnswers
}

/** The size of a worker's piece, 64 age chunks: what `agePayloadSpeed` seals at a time. */
const PIECE = 64 * 65536

/**
 * Bytes per CPU-second of `aead` sealing `bytes` (32 MiB by default) in memory on this
 * thread, a 4 MiB piece at a time through `sealRun` as the workers do (for `sluice doctor`).
 */
export const agePayloadSpeed = (aead: Aead, bytes = 32 * 1024 * 1024): number => {
  const chunks = PIECE / 65536
  const buffer = new Uint8Array(PIECE + TAG_SIZE * chunks)
  const key = new Uint8Array(32).fill(7)
  // Whatever the buffer holds is sealed (its tail is the plaintext): the bytes do not change the speed.
  const piece = (i: number) => sealRun(aead, key, i * chunks, false, buffer.subarray(TAG_SIZE * chunks), buffer)
  piece(0)
  // This thread's CPU time where Node has it (a busy machine's waits are not the cipher's).
  const clock = typeof process.threadCpuUsage === "function"
    ? () => {
      const { system, user } = process.threadCpuUsage()
      return (system + user) / 1000
    }
    : () => performance.now()
  const start = clock()
  let done = 0
  for (let i = 1; done < bytes; i++, done += PIECE) piece(i)
  return done / (Math.max(clock() - start, 0.001) / 1000)
}
