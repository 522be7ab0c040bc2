/**
 * The scrypt recipient type [C2SP age §The scrypt recipient type]:
 * `-> scrypt <b64(salt, 16 B)> <logN>`, body = ChaCha20-Poly1305(wrap key, file key), where
 * wrap key = scrypt(N = 2^logN, r = 8, p = 1, S = "age-encryption.org/v1/scrypt" ‖ salt,
 * P = passphrase). An scrypt stanza must be the only one in its header.
 */
import type { AgeKeyKernel } from "../AgeKeyKernel.js"
import { encodeBase64 } from "../base64.js"
import type { Stanza } from "../stanza.js"
import { fileKeyResult, malformed, noMatch, type UnwrapResult } from "./result.js"
import { ascii, concatBytes, exactBase64, openFileKey, randomBytes, sealFileKey, WRAPPED_KEY_BYTES } from "./wrapKey.js"

export const SCRYPT_TYPE = "scrypt"
const LABEL = ascii("age-encryption.org/v1/scrypt")
const SALT_BYTES = 16
/** age's work factor for encryption (scrypt.go: "1s on a modern machine"). */
export const DEFAULT_LOG_N = 18
/** The largest work factor a decryption accepts unless told otherwise (age's default, ~15 s). */
export const DEFAULT_MAX_LOG_N = 22

/** A passphrase to try, and the largest work factor it may cost. */
export interface ScryptIdentity {
  readonly passphrase: Uint8Array
  readonly maxLogN?: number
}

/**
 * The header's stanzas break the scrypt rule: an scrypt stanza beside any other stanza,
 * a second scrypt one included [spec §scrypt: "MUST be the only stanza"]. The unwrap loop
 * asks this before any identity is tried, so the rule holds whatever the identities.
 */
export const checkScryptAlone = (stanzas: ReadonlyArray<Stanza>): UnwrapResult | undefined =>
  stanzas.length > 1 && stanzas.some((s) => s.type === SCRYPT_TYPE)
    ? malformed(SCRYPT_TYPE, "an scrypt stanza must be the only stanza in the header")
    : undefined

/** The stanza wrapping `fileKey` under `passphrase` with a new salt. */
export const wrap = async (fileKey: Uint8Array, passphrase: Uint8Array, kernel: AgeKeyKernel, logN = DEFAULT_LOG_N): Promise<Stanza> => {
  if (passphrase.length === 0) throw new Error("the passphrase is empty")
  if (!Number.isInteger(logN) || logN < 1 || logN > 30) throw new Error(`an scrypt work factor from 1 to 30, not ${logN}`)
  const salt = randomBytes(SALT_BYTES)
  const wrapKey = await kernel.scrypt(passphrase, concatBytes(LABEL, salt), logN)
  const body = sealFileKey(wrapKey, fileKey)
  wrapKey.fill(0)
  return { type: SCRYPT_TYPE, args: [encodeBase64(salt), String(logN)], body }
}

/** Decimal without sign, leading zero or any other character [spec: `^[1-9][0-9]*$`]. */
const DECIMAL = /^[1-9][0-9]*$/

/**
 * The file key from an scrypt stanza. Every argument is checked, and the work factor held
 * to the maximum, BEFORE scrypt runs: a header asking for an absurd work factor costs
 * nothing. A body that does not open is no match (a wrong passphrase).
 */
export const unwrap = async (stanza: Stanza, identity: ScryptIdentity, kernel: AgeKeyKernel): Promise<UnwrapResult> => {
  if (stanza.type !== SCRYPT_TYPE) return noMatch
  if (stanza.args.length !== 2) return malformed(SCRYPT_TYPE, `${stanza.args.length + 1} arguments, not 3`)
  const salt = exactBase64(stanza.args[0]!, SALT_BYTES)
  if (salt === undefined) return malformed(SCRYPT_TYPE, "the salt is not the canonical base64 of 16 bytes")
  const factor = stanza.args[1]!
  if (!DECIMAL.test(factor)) return malformed(SCRYPT_TYPE, "the work factor is not a decimal number without sign or leading zero")
  const logN = Number(factor)
  const max = identity.maxLogN ?? DEFAULT_MAX_LOG_N
  if (!Number.isSafeInteger(logN)) return malformed(SCRYPT_TYPE, "the work factor does not fit a number")
  if (logN > max) return { _tag: "WorkFactorTooLarge", logN, max }
  if (stanza.body.length !== WRAPPED_KEY_BYTES) return malformed(SCRYPT_TYPE, `a body of ${stanza.body.length} bytes, not ${WRAPPED_KEY_BYTES}`)
  const wrapKey = await kernel.scrypt(identity.passphrase, concatBytes(LABEL, salt), logN)
  const fileKey = openFileKey(wrapKey, stanza.body)
  wrapKey.fill(0)
  return fileKey === undefined ? noMatch : fileKeyResult(fileKey)
}
