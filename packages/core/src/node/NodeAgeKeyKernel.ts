import * as crypto from "node:crypto"
import type { AgeKeyKernel } from "../age/AgeKeyKernel.js"
import { pkcs8Der, spkiDer } from "../keys/formats/pkcs8.js"
import { nodeScrypt, x25519 } from "./nodeAgeKeys.js"

/**
 * age's RSA-OAEP and scrypt in node:crypto (OpenSSL). scrypt runs on libuv's thread pool,
 * so the calling thread stays free; its `maxmem` is what the parameters need (128·r·N and a
 * little over), since node's own 32 MiB default would refuse age's logN 18.
 */
export const nodeAgeKeyKernel: AgeKeyKernel = {
  name: `node:crypto (OpenSSL ${process.versions.openssl})`,
  x25519,
  // On libuv's thread pool: a passphrase is tried without waiting for a worker to start.
  scryptOffThread: true,
  rsaOaepEncrypt: async (key, label, message) =>
    new Uint8Array(crypto.publicEncrypt({
      key: crypto.createPublicKey({ key: Buffer.from(spkiDer(key)), format: "der", type: "spki" }),
      padding: crypto.constants.RSA_PKCS1_OAEP_PADDING,
      oaepHash: "sha256",
      oaepLabel: label
    }, message)),
  rsaOaepDecrypt: async (pair, label, ciphertext) => {
    const der = pkcs8Der(pair)
    try {
      return new Uint8Array(crypto.privateDecrypt({
        key: crypto.createPrivateKey({ key: Buffer.from(der), format: "der", type: "pkcs8" }),
        padding: crypto.constants.RSA_PKCS1_OAEP_PADDING,
        oaepHash: "sha256",
        oaepLabel: label
      }, ciphertext))
    } catch {
      // OpenSSL's text is dropped: one outcome for every failure.
      return undefined
    } finally {
      der.fill(0)
    }
  },
  scrypt: nodeScrypt
}
