import type { Argon2idParams, DeriveParams, ScryptParams } from "./params.js"
import { isArgon2id, isScrypt } from "./params.js"

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

/**
 * Standard base64 (RFC 4648 §4) without `=` padding: what the PHC string format asks
 * for, and what Argon2's reference implementation and passlib write.
 */
export const base64Unpadded = (bytes: Uint8Array): string => {
  let out = ""
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!, b = bytes[i + 1], c = bytes[i + 2]
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0)
    out += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]!
    if (b !== undefined) out += ALPHABET[(n >> 6) & 63]!
    if (c !== undefined) out += ALPHABET[n & 63]!
  }
  return out
}

/** Whether a derivation's result can be written as a PHC string (scrypt; Argon2id without associated data). */
export const phcSupported = (params: DeriveParams): params is ScryptParams | Argon2idParams =>
  isScrypt(params) || (isArgon2id(params) && (params.associatedData === undefined || params.associatedData.length === 0))

/**
 * The PHC string of a derived key: its parameters, salt and hash, as the reference
 * tools write them.
 * - Argon2id: `$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>`, as the
 *   reference `argon2` CLI prints with `-e` (version 19 is 0x13). A secret (pepper) is
 *   not written, as the reference does not: it must be given again to verify.
 * - scrypt: `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>`, as passlib writes it.
 * The string holds the derived key: it is as secret as the key in hex.
 */
export const phcString = (params: ScryptParams | Argon2idParams, key: Uint8Array): string =>
  isScrypt(params)
    ? `$scrypt$ln=${params.logN},r=${params.r},p=${params.p}$${base64Unpadded(params.salt)}$${base64Unpadded(key)}`
    : `$argon2id$v=19$m=${params.memoryKiB},t=${params.passes},p=${params.parallelism}$${base64Unpadded(params.salt)}$${base64Unpadded(key)}`
