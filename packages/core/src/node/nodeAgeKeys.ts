/**
 * age's X25519 and scrypt in node:crypto (OpenSSL), alone: NodeAgeKeyKernel's, and the
 * lean age path's (ageLean.ts), which loads nothing else of the kernel.
 */
import * as crypto from "node:crypto"

/** The DER of an X25519 private key (PKCS#8) and public key (SPKI) before their 32 bytes (RFC 8410). */
const PKCS8_X25519 = Buffer.from("302e020100300506032b656e04220420", "hex")
const SPKI_X25519 = Buffer.from("302a300506032b656e032100", "hex")

/**
 * X25519 in OpenSSL: a public key, or a shared secret (undefined when all zero: OpenSSL
 * refuses it, as age does). ~0.1 ms a call, against noble's ~10-20 ms each for the first
 * calls of a process (its code not yet optimised), which an encryption's three (the
 * recipient's check, the ephemeral share, the shared secret) paid on the calling thread.
 */
export const x25519 = (scalar: Uint8Array, point?: Uint8Array): Uint8Array | undefined => {
  const der = Buffer.concat([PKCS8_X25519, scalar])
  try {
    const privateKey = crypto.createPrivateKey({ key: der, format: "der", type: "pkcs8" })
    if (point === undefined) return new Uint8Array(crypto.createPublicKey(privateKey).export({ format: "der", type: "spki" }).subarray(SPKI_X25519.length))
    const publicKey = crypto.createPublicKey({ key: Buffer.concat([SPKI_X25519, point]), format: "der", type: "spki" })
    const shared = crypto.diffieHellman({ privateKey, publicKey })
    const out = new Uint8Array(shared)
    shared.fill(0)
    return out.some((b) => b !== 0) ? out : undefined
  } catch {
    return undefined
  } finally {
    der.fill(0)
  }
}

/**
 * scrypt (r = 8, p = 1, 32 bytes) on libuv's thread pool, so the calling thread stays free;
 * its `maxmem` is what the parameters need (128·r·N and a little over), since node's own
 * 32 MiB default would refuse age's logN 18.
 */
export const nodeScrypt = (passphrase: Uint8Array, salt: Uint8Array, logN: number): Promise<Uint8Array> =>
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
