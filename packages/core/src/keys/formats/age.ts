import { x25519 } from "@noble/curves/ed25519.js"
import { bech32 } from "@scure/base"
import type { Bytes } from "../der.js"
import { KeyParseError } from "../KeyError.js"
import type { KeyPair, PublicKey } from "../KeyPair.js"

/**
 * age's native X25519 keys (age-encryption.org/v1, "The X25519 recipient type"): the
 * recipient is the Bech32 (BIP 173) of the public key under the HRP `age`, the identity
 * that of the 32-byte private scalar under `AGE-SECRET-KEY-`, in upper case. age's Bech32
 * has no 90-character limit, and its checksum is over the lower-case HRP.
 */
const RECIPIENT_HRP = "age"
const IDENTITY_HRP = "age-secret-key-"
const HYBRID_RECIPIENT_HRP = "age1pq"
const HYBRID_IDENTITY_HRP = "age-secret-key-pq-"

const encode = (hrp: string, bytes: Uint8Array) => bech32.encode(hrp, bech32.toWords(bytes), false)

const notX25519 = (type: string) => new Error(`${type} is not an age X25519 key`)

export const ageRecipient = (key: PublicKey): string => {
  if (key.type !== "x25519" || key.family !== "okp") throw notX25519(key.type)
  return encode(RECIPIENT_HRP, key.publicKey)
}

export const ageIdentity = (pair: KeyPair): string => {
  if (pair.type !== "x25519" || pair.family !== "okp") throw notX25519(pair.type)
  return encode(IDENTITY_HRP, pair.seed).toUpperCase()
}

const two = (n: number) => String(n).padStart(2, "0")

/**
 * RFC 3339 as age-keygen writes it after `# created:`: Go's `time.Now().Format(time.RFC3339)`,
 * the local time (the process's time zone, TZ as Go reads it) with its offset, whole
 * seconds, and `Z` for an offset of zero (`2026-12-06T01:25:10+01:00`, `...T00:25:10Z`).
 */
export const rfc3339 = (millis: number): string => {
  const date = new Date(Math.floor(millis / 1000) * 1000)
  // Minutes east of UTC (getTimezoneOffset counts west); Go prints hours and minutes only.
  const east = -Math.trunc(date.getTimezoneOffset())
  const zone = east === 0 ? "Z" : `${east < 0 ? "-" : "+"}${two(Math.floor(Math.abs(east) / 60))}:${two(Math.abs(east) % 60)}`
  return `${String(date.getFullYear()).padStart(4, "0")}-${two(date.getMonth() + 1)}-${two(date.getDate())}` +
    `T${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}${zone}`
}

/** age-keygen's file: `# created:`, `# public key:`, then the identity, each line ended by a newline. */
export const ageKeyFile = (pair: KeyPair, createdMillis: number): string =>
  `# created: ${rfc3339(createdMillis)}\n# public key: ${ageRecipient(pair)}\n${ageIdentity(pair)}\n`

const decode = (text: string, hrp: string, format: string, length = 32): Bytes => {
  let decoded: { prefix: string; words: Array<number> }
  try {
    decoded = bech32.decode(text.toLowerCase() as `${string}1${string}`, false)
  } catch {
    throw new KeyParseError({ format, problem: "bad Bech32" })
  }
  if (decoded.prefix !== hrp) {
    const secret = decoded.prefix === IDENTITY_HRP || decoded.prefix === HYBRID_IDENTITY_HRP
    throw new KeyParseError({ format, problem: `the prefix ${secret ? "of an identity" : decoded.prefix}` })
  }
  const bytes = new Uint8Array(bech32.fromWords(decoded.words))
  if (bytes.length !== length) throw new KeyParseError({ format, problem: `${bytes.length} bytes, not ${length}` })
  return bytes
}

/** An `age1…` recipient as its X25519 public key. */
export const parseAgeRecipient = (text: string): PublicKey => {
  const trimmed = text.trim()
  if (trimmed !== trimmed.toLowerCase()) throw new KeyParseError({ format: "age recipient", problem: "not lower case" })
  return { family: "okp", type: "x25519", publicKey: decode(trimmed, RECIPIENT_HRP, "age recipient") }
}

/**
 * The first identity in an age key file (comments and blank lines skipped, as age's
 * parser does), with its public key computed.
 */
export const parseAgeIdentity = (text: string): KeyPair => {
  const format = "age identity"
  const line = text.split("\n").map((l) => l.trim()).find((l) => l !== "" && !l.startsWith("#"))
  if (line === undefined || !line.startsWith("AGE-SECRET-KEY-1")) throw new KeyParseError({ format, problem: "no AGE-SECRET-KEY-1 line" })
  if (line !== line.toUpperCase()) throw new KeyParseError({ format, problem: "not upper case" })
  const seed = decode(line, IDENTITY_HRP, format)
  return { family: "okp", type: "x25519", seed, publicKey: new Uint8Array(x25519.getPublicKey(seed)) }
}

/** An `AGE-SECRET-KEY-1…` line as its 32-byte X25519 secret (one line: the caller reads the file's lines). */
export const parseAgeX25519Secret = (line: string): Bytes => {
  const format = "age identity"
  if (line !== line.toUpperCase()) throw new KeyParseError({ format, problem: "not upper case" })
  return decode(line, IDENTITY_HRP, format)
}

/**
 * age 1.3's hybrid post-quantum keys [C2SP age §The MLKEM768-X25519 hybrid recipient type]:
 * the identity is a 32-byte seed under the HRP `AGE-SECRET-KEY-PQ-` (upper case), the
 * recipient the MLKEM768-X25519 public key it gives (ML-KEM-768's 1,184 bytes ‖ X25519's
 * 32) under `age1pq`: about 1,960 characters, far over BIP 173's 90, which age lifts.
 */
export const HYBRID_PUBLIC_KEY_BYTES = 1216

export const ageHybridRecipient = (publicKey: Uint8Array): string => {
  if (publicKey.length !== HYBRID_PUBLIC_KEY_BYTES) throw new Error(`an MLKEM768-X25519 public key is ${HYBRID_PUBLIC_KEY_BYTES} bytes`)
  return encode(HYBRID_RECIPIENT_HRP, publicKey)
}

export const ageHybridIdentity = (seed: Uint8Array): string => {
  if (seed.length !== 32) throw new Error("an MLKEM768-X25519 identity is a 32-byte seed")
  return encode(HYBRID_IDENTITY_HRP, seed).toUpperCase()
}

/** An `age1pq1…` recipient as its 1,216-byte MLKEM768-X25519 public key. */
export const parseAgeHybridRecipient = (text: string): Bytes => {
  const format = "age post-quantum recipient"
  if (text !== text.toLowerCase()) throw new KeyParseError({ format, problem: "not lower case" })
  return decode(text, HYBRID_RECIPIENT_HRP, format, HYBRID_PUBLIC_KEY_BYTES)
}

/** An `AGE-SECRET-KEY-PQ-1…` line as its 32-byte seed. */
export const parseAgeHybridSecret = (line: string): Bytes => {
  const format = "age post-quantum identity"
  if (line !== line.toUpperCase()) throw new KeyParseError({ format, problem: "not upper case" })
  return decode(line, HYBRID_IDENTITY_HRP, format)
}
