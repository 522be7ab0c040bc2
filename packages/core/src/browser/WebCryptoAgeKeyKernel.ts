/**
 * age's RSA-OAEP (SHA-256, MGF1-SHA-256, a label) in WebCrypto, for `ssh-rsa` recipients
 * and identities in a page: the key imported from its SPKI or PKCS#8 DER, the DER wiped.
 * scrypt never runs here: age's engine runs it as a derive task on the pool
 * (`poolKeyKernel`), so this kernel's refuses.
 */
import type { AgeKeyKernel } from "../age/AgeKeyKernel.js"
import { pkcs8Der, spkiDer } from "../keys/formats/pkcs8.js"

const OAEP = { name: "RSA-OAEP", hash: "SHA-256" } as const

export const webCryptoAgeKeyKernel: AgeKeyKernel = {
  name: "WebCrypto",
  rsaOaepEncrypt: async (key, label, message) => {
    const der = spkiDer(key)
    const imported = await crypto.subtle.importKey("spki", der as Uint8Array<ArrayBuffer>, OAEP, false, ["encrypt"])
    return new Uint8Array(await crypto.subtle.encrypt({ name: "RSA-OAEP", label: label as Uint8Array<ArrayBuffer> }, imported, message as Uint8Array<ArrayBuffer>))
  },
  rsaOaepDecrypt: async (pair, label, ciphertext) => {
    const der = pkcs8Der(pair)
    try {
      const imported = await crypto.subtle.importKey("pkcs8", der as Uint8Array<ArrayBuffer>, OAEP, false, ["decrypt"])
      return new Uint8Array(await crypto.subtle.decrypt({ name: "RSA-OAEP", label: label as Uint8Array<ArrayBuffer> }, imported, ciphertext as Uint8Array<ArrayBuffer>))
    } catch {
      // One outcome for every failure (RFC 8017 §7.1.2): no oracle says which check failed.
      return undefined
    } finally {
      der.fill(0)
    }
  },
  scrypt: () => Promise.reject(new Error("scrypt runs on the worker pool, not in this kernel"))
}
