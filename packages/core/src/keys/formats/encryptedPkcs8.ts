import { cbc } from "@noble/ciphers/aes.js"
import { pbkdf2Async } from "@noble/hashes/pbkdf2.js"
import { scryptAsync } from "@noble/hashes/scrypt.js"
import { sha1 } from "@noble/hashes/legacy.js"
import { sha256 } from "@noble/hashes/sha2.js"
import { randomBytes } from "@noble/hashes/utils.js"
import {
  type Bytes,
  children,
  DerError,
  expectTag,
  integerMagnitude,
  octetString,
  oid,
  oidText,
  readOne,
  sequence,
  smallInteger,
  TAG
} from "../der.js"
import { KeyParseError } from "../KeyError.js"
import type { KeyPair } from "../KeyPair.js"
import { PBES2_KEY_BYTES, PBES2_SALT_BYTES, type Pbes2Kdf, type Pbes2Key, PBKDF2_ITERATIONS, SCRYPT } from "../Pbes2Key.js"
import { armor, unarmor } from "./pem.js"
import { parsePkcs8Der, pkcs8Der } from "./pkcs8.js"

/**
 * Encrypted PKCS#8 (RFC 5958 §3 EncryptedPrivateKeyInfo) with PBES2 (RFC 8018 §6.2,
 * A.4): the key from the passphrase by scrypt (RFC 7914 §7) or PBKDF2-HMAC-SHA256
 * (RFC 8018 §5.2, A.2, B.1.2), the PrivateKeyInfo encrypted with AES-256-CBC and PKCS#7
 * padding (RFC 8018 B.2.5). `openssl pkey -passin` reads both. A run of many keys derives
 * the key once and encrypts each key under it with its own IV (`Pbes2Key.ts` says why that
 * is sound, and why OpenSSH keys cannot do the same).
 */
export type { Pbes2Kdf }
export { PBKDF2_ITERATIONS, SCRYPT }

const OID = {
  pbes2: "1.2.840.113549.1.5.13",
  pbkdf2: "1.2.840.113549.1.5.12",
  scrypt: "1.3.6.1.4.1.11591.4.11",
  hmacWithSHA1: "1.2.840.113549.2.7",
  hmacWithSHA256: "1.2.840.113549.2.9",
  aes128cbc: "2.16.840.1.101.3.4.1.2",
  aes256cbc: "2.16.840.1.101.3.4.1.42"
} as const

/** The parameters of one file: the salt (the run's, or the key's own) and the key's own IV. */
interface Pbes2 {
  readonly kdf: Pbes2Kdf
  readonly salt: Uint8Array
  readonly iv: Uint8Array
  readonly iterations: number
  readonly scrypt: { readonly N: number; readonly r: number; readonly p: number }
  readonly keyLength: 16 | 32
  readonly prf: "sha1" | "sha256"
}

const deriveKey = async (passphrase: Uint8Array, params: Pbes2): Promise<Uint8Array> =>
  params.kdf === "scrypt"
    ? scryptAsync(passphrase, params.salt, { ...params.scrypt, dkLen: params.keyLength, maxmem: 2 ** 30 })
    : pbkdf2Async(params.prf === "sha1" ? sha1 : sha256, passphrase, params.salt, { c: params.iterations, dkLen: params.keyLength })

/** RFC 8018 A.4: PBES2-params { keyDerivationFunc, encryptionScheme }. */
const pbes2Algorithm = (params: Pbes2): Bytes => {
  const kdf = params.kdf === "scrypt"
    // RFC 7914 §7: scrypt-params { salt, costParameter, blockSize, parallelizationParameter, keyLength }.
    ? sequence(
      oid(OID.scrypt),
      sequence(
        octetString(params.salt),
        smallInteger(params.scrypt.N),
        smallInteger(params.scrypt.r),
        smallInteger(params.scrypt.p),
        smallInteger(params.keyLength)
      )
    )
    // RFC 8018 A.2: PBKDF2-params { salt, iterationCount, keyLength, prf }.
    : sequence(
      oid(OID.pbkdf2),
      sequence(octetString(params.salt), smallInteger(params.iterations), smallInteger(params.keyLength), sequence(oid(OID.hmacWithSHA256)))
    )
  // RFC 8018 B.2.5: aes256-CBC-Pad with its 16-byte IV as the parameter.
  return sequence(oid(OID.pbes2), sequence(kdf, sequence(oid(OID.aes256cbc), octetString(params.iv))))
}

/**
 * The EncryptedPrivateKeyInfo DER of a pair under a key already derived (a run's): its
 * salt and parameters written as they are, a new random IV for this key.
 */
export const encryptedPkcs8DerWithKey = (pair: KeyPair, kek: Pbes2Key): Bytes => {
  const params: Pbes2 = {
    kdf: kek.kdf,
    salt: kek.salt,
    iv: randomBytes(16),
    iterations: kek.kdf === "pbkdf2-sha256" ? kek.iterations : PBKDF2_ITERATIONS,
    scrypt: kek.kdf === "scrypt" ? { N: kek.N, r: kek.r, p: kek.p } : SCRYPT,
    keyLength: 32,
    prf: "sha256"
  }
  const plain = pkcs8Der(pair)
  try {
    const encrypted = cbc(kek.key, params.iv).encrypt(plain)
    return sequence(pbes2Algorithm(params), octetString(encrypted))
  } finally {
    plain.fill(0)
  }
}

/**
 * A key derived from `passphrase` with a new salt, in noble, on this thread: one key's
 * worth (a run derives its key once on the pool instead: `derivePbes2Key`).
 */
export const pbes2KeyOf = async (passphrase: Uint8Array, kdf: Pbes2Kdf = "scrypt"): Promise<Pbes2Key> => {
  const salt = randomBytes(PBES2_SALT_BYTES)
  const params: Pbes2 = { kdf, salt, iv: new Uint8Array(16), iterations: PBKDF2_ITERATIONS, scrypt: SCRYPT, keyLength: PBES2_KEY_BYTES, prf: "sha256" }
  const key = await deriveKey(passphrase, params)
  return kdf === "scrypt" ? { kdf, salt, key, ...SCRYPT } : { kdf, salt, key, iterations: PBKDF2_ITERATIONS }
}

/** The EncryptedPrivateKeyInfo DER of a pair under `passphrase`: a new salt and IV, the key derived for it alone. */
export const encryptedPkcs8Der = async (pair: KeyPair, passphrase: Uint8Array, kdf: Pbes2Kdf = "scrypt"): Promise<Bytes> => {
  const kek = await pbes2KeyOf(passphrase, kdf)
  try {
    return encryptedPkcs8DerWithKey(pair, kek)
  } finally {
    kek.key.fill(0)
  }
}

/** RFC 7468 §11: the label of EncryptedPrivateKeyInfo. */
export const encryptedPkcs8Pem = async (pair: KeyPair, passphrase: Uint8Array, kdf: Pbes2Kdf = "scrypt"): Promise<string> =>
  armor("ENCRYPTED PRIVATE KEY", await encryptedPkcs8Der(pair, passphrase, kdf))

const FORMAT = "encrypted PKCS#8"

const readPbes2 = (algorithm: Uint8Array): Pbes2 => {
  const [scheme, schemeParams] = children(algorithm)
  if (oidText(expectTag(scheme!, TAG.oid)) !== OID.pbes2) throw new KeyParseError({ format: FORMAT, problem: "not PBES2" })
  const [kdfAlg, encAlg] = children(expectTag(schemeParams!, TAG.sequence))
  const [kdfOid, kdfParams] = children(expectTag(kdfAlg!, TAG.sequence))
  const [encOid, ivEl] = children(expectTag(encAlg!, TAG.sequence))
  const enc = oidText(expectTag(encOid!, TAG.oid))
  if (enc !== OID.aes256cbc && enc !== OID.aes128cbc) throw new KeyParseError({ format: FORMAT, problem: `the cipher ${enc}` })
  const keyLength = enc === OID.aes256cbc ? 32 : 16
  const iv = expectTag(ivEl!, TAG.octetString)
  const kdfName = oidText(expectTag(kdfOid!, TAG.oid))
  const fields = children(expectTag(kdfParams!, TAG.sequence))
  const salt = expectTag(fields[0]!, TAG.octetString)
  const number = (i: number) => Number.parseInt(Array.from(integerMagnitude(expectTag(fields[i]!, TAG.integer)), (b) => b.toString(16).padStart(2, "0")).join(""), 16)
  if (kdfName === OID.scrypt) {
    return { kdf: "scrypt", salt, iv, iterations: 0, scrypt: { N: number(1), r: number(2), p: number(3) }, keyLength, prf: "sha256" }
  }
  if (kdfName !== OID.pbkdf2) throw new KeyParseError({ format: FORMAT, problem: `the key derivation ${kdfName}` })
  const prfEl = fields.find((f) => f.tag === TAG.sequence)
  const prf = prfEl === undefined ? OID.hmacWithSHA1 : oidText(expectTag(children(prfEl.content)[0]!, TAG.oid))
  if (prf !== OID.hmacWithSHA1 && prf !== OID.hmacWithSHA256) throw new KeyParseError({ format: FORMAT, problem: `the PRF ${prf}` })
  return { kdf: "pbkdf2-sha256", salt, iv, iterations: number(1), scrypt: SCRYPT, keyLength, prf: prf === OID.hmacWithSHA1 ? "sha1" : "sha256" }
}

/**
 * What a file says of its encryption, nothing secret: the KDF, salt, IV and parameters
 * (for tests and tools that check that keys of one run share a salt and not an IV).
 */
export const encryptionParametersOf = (der: Uint8Array): { readonly kdf: Pbes2Kdf; readonly salt: Uint8Array; readonly iv: Uint8Array; readonly iterations: number; readonly scrypt: Pbes2["scrypt"] } => {
  try {
    const [algorithm] = children(readOne(der, TAG.sequence))
    const { kdf, salt, iv, iterations, scrypt } = readPbes2(expectTag(algorithm!, TAG.sequence))
    return { kdf, salt, iv, iterations, scrypt }
  } catch (error) {
    if (error instanceof KeyParseError) throw error
    throw new KeyParseError({ format: FORMAT, problem: error instanceof DerError ? error.message : "malformed structure" })
  }
}

/**
 * Decrypts EncryptedPrivateKeyInfo DER (PBES2: PBKDF2 with HMAC-SHA1/SHA256 or scrypt;
 * AES-128/256-CBC). A wrong passphrase fails as a parse error that says only that.
 */
export const parseEncryptedPkcs8Der = async (der: Uint8Array, passphrase: Uint8Array): Promise<KeyPair> => {
  let params: Pbes2
  let data: Uint8Array
  try {
    const [algorithm, encrypted] = children(readOne(der, TAG.sequence))
    params = readPbes2(expectTag(algorithm!, TAG.sequence))
    data = expectTag(encrypted!, TAG.octetString)
  } catch (error) {
    if (error instanceof KeyParseError) throw error
    throw new KeyParseError({ format: FORMAT, problem: error instanceof DerError ? error.message : "malformed structure" })
  }
  const key = await deriveKey(passphrase, params)
  let plain: Uint8Array
  try {
    plain = cbc(key, params.iv).decrypt(data)
  } catch {
    throw new KeyParseError({ format: FORMAT, problem: "wrong passphrase or damaged file" })
  } finally {
    key.fill(0)
  }
  try {
    return parsePkcs8Der(plain)
  } catch {
    // CBC has no integrity: a wrong passphrase passes the padding check about once in 256
    // tries and then fails here, on garbage. Either way it is the same, and says only that.
    throw new KeyParseError({ format: FORMAT, problem: "wrong passphrase or damaged file" })
  } finally {
    plain.fill(0)
  }
}

export const parseEncryptedPkcs8Pem = (text: string, passphrase: Uint8Array): Promise<KeyPair> =>
  parseEncryptedPkcs8Der(unarmor(text, "ENCRYPTED PRIVATE KEY", FORMAT), passphrase)
