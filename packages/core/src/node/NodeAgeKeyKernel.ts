import * as crypto from "node:crypto"
import type { AgeKeyKernel } from "../age/AgeKeyKernel.js"
import { pkcs8Der, spkiDer } from "../keys/formats/pkcs8.js"

/**
 * age's RSA-OAEP and scrypt in node:crypto (OpenSSL). scrypt runs on libuv's thread pool,
 * so the calling thread stays free; its `maxmem` is what the parameters need (128·r·N and a
 * little over), since node's own 32 MiB default would refuse age's logN 18.
 */
export const nodeAgeKeyKernel: AgeKeyKernel = {
  name: `node:crypto (OpenSSL ${process.versions.openssl})`,
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
  scrypt: (passphrase, salt, logN) =>
    new Promise((resolve, reject) =>
      crypto.scrypt(passphrase, salt, 32, { N: 2 ** logN, r: 8, p: 1, maxmem: 128 * 8 * (2 ** logN + 1) + 1024 * 1024 }, (error, key) => {
        if (error) reject(new Error("scrypt failed"))
        else {
          const out = new Uint8Array(key)
          key.fill(0)
          resolve(out)
        }
      })
    )
}
