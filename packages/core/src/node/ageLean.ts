/**
 * The lean age path (`@sluice/core/node/age-lean`): what the CLI's ageMain.ts needs to
 * encrypt a regular file to X25519 recipients or a passphrase, and to decrypt one with
 * X25519 identities or its passphrase, without Effect, the engine or a worker. The header
 * is core's (headerFormat.ts), its keys node:crypto's (X25519 and scrypt in OpenSSL, scrypt
 * on libuv's threads, HKDF, HMAC, the file key's ChaCha20-Poly1305; the header MAC compared
 * in constant time), the payload @sluice/native's `ageFileAsync` (packages/native/src/age_file.rs:
 * pread, seal or open on every core, pwrite), file to file.
 *
 * Whatever is not the plain case answers `undefined` (parsers) or `{ _tag: "Full" }`
 * (headers), having printed nothing: the caller then runs the full program, whose messages
 * for every other case are its own. [C2SP age §Header, §X25519, §scrypt, §Payload]
 */
import { bech32 } from "@scure/base"
import * as crypto from "node:crypto"
import { decodeBase64, encodeBase64 } from "../age/base64.js"
import { encodeHeader, HeaderFormatError, MAC_SIZE, NONCE_SIZE, type ParsedHeader, tryParseHeader } from "../age/headerFormat.js"
import type { Stanza } from "../age/stanza.js"
import { nativeAddon } from "./nativeAddon.js"
import { nodeScrypt, x25519 } from "./nodeAgeKeys.js"

/** age's scrypt work factor for encryption, and the largest accepted on decryption (stanzas/scrypt.ts's). */
/** The full program's words for an output's errors (core's OutputFailed). */
export { ERRNO_TEXT } from "../engine/errnoText.js"

export const LEAN_SCRYPT = { encryptLogN: 18, maxLogN: 22 } as const

const FILE_KEY_SIZE = 16
const ascii = (text: string) => new TextEncoder().encode(text)
const X25519_INFO = ascii("age-encryption.org/v1/X25519")
const SCRYPT_LABEL = ascii("age-encryption.org/v1/scrypt")
/** The most a key file, a key line, holds here; more is the full program's. */
const KEY_FILE_LIMIT = 16 * 1024 * 1024
const LINE_LIMIT = 8192

const hkdf = (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array): Uint8Array =>
  new Uint8Array(crypto.hkdfSync("sha256", ikm, salt, info, 32))

const concat = (...parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

const ZERO_NONCE = new Uint8Array(12)

/** The file key sealed under a wrap key (nonce 0), 32 bytes [C2SP age §X25519, §scrypt]. */
const sealFileKey = (wrapKey: Uint8Array, fileKey: Uint8Array): Uint8Array => {
  const cipher = crypto.createCipheriv("chacha20-poly1305", wrapKey, ZERO_NONCE, { authTagLength: 16 })
  return concat(cipher.update(fileKey), cipher.final(), cipher.getAuthTag())
}

/** The file key a 32-byte body holds under a wrap key, or undefined when its tag fails. */
const openFileKey = (wrapKey: Uint8Array, body: Uint8Array): Uint8Array | undefined => {
  try {
    const decipher = crypto.createDecipheriv("chacha20-poly1305", wrapKey, ZERO_NONCE, { authTagLength: 16 })
    decipher.setAuthTag(body.subarray(FILE_KEY_SIZE))
    return concat(decipher.update(body.subarray(0, FILE_KEY_SIZE)), decipher.final())
  } catch {
    return undefined
  }
}

/** HMAC-SHA-256 of the header under HKDF(file key, "", "header"). */
const headerMac = (fileKey: Uint8Array, macInput: Uint8Array): Uint8Array => {
  const key = hkdf(fileKey, new Uint8Array(0), ascii("header"))
  try {
    return new Uint8Array(crypto.createHmac("sha256", key).update(macInput).digest())
  } finally {
    key.fill(0)
  }
}

/** The payload key: HKDF(file key, the header's nonce, "payload"). */
const payloadKey = (fileKey: Uint8Array, nonce: Uint8Array): Uint8Array => hkdf(fileKey, nonce, ascii("payload"))

const decodeBech32 = (text: string, hrp: string): Uint8Array | undefined => {
  try {
    const decoded = bech32.decode(text.toLowerCase() as `${string}1${string}`, false)
    const bytes = decoded.prefix === hrp ? new Uint8Array(bech32.fromWords(decoded.words)) : undefined
    return bytes?.length === 32 ? bytes : undefined
  } catch {
    return undefined
  }
}

/** An `age1…` X25519 recipient's public key: lower case, canonical, not a low-order point; else undefined. */
export const leanRecipient = (text: string): Uint8Array | undefined => {
  if (!text.startsWith("age1") || text.indexOf("1", 4) >= 0 || text.trim() !== text || text !== text.toLowerCase()) return undefined
  const key = decodeBech32(text, "age")
  // A low-order point gives an all-zero shared secret: the full program refuses it.
  return key !== undefined && x25519(new Uint8Array(32).fill(0x5a), key) !== undefined ? key : undefined
}

/** The lines of a key file as core's parsers cut them: undefined for an empty line or a comment. */
const keyLines = (text: string): Array<string | undefined> | undefined => {
  if (text.length > KEY_FILE_LIMIT) return undefined
  const lines = text.split("\n")
  if (lines.at(-1) === "") lines.pop()
  return lines.map((raw) => {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw
    return line === "" || line.startsWith("#") ? undefined : line
  })
}

/** A recipients file of `age1…` X25519 lines only (comments and empty lines apart); else undefined. */
export const leanRecipientsFile = (text: string): Array<Uint8Array> | undefined => {
  const lines = keyLines(text)
  if (lines === undefined) return undefined
  const keys: Array<Uint8Array> = []
  for (const line of lines) {
    if (line === undefined) continue
    const key = line.length > LINE_LIMIT ? undefined : leanRecipient(line)
    if (key === undefined) return undefined
    keys.push(key)
  }
  return keys.length === 0 ? undefined : keys
}

export interface LeanIdentity {
  readonly secret: Uint8Array
  readonly publicKey: Uint8Array
}

/** An identity file of `AGE-SECRET-KEY-1…` lines only (age-keygen's); else undefined. */
export const leanIdentityFile = (text: string): Array<LeanIdentity> | undefined => {
  if (text.startsWith("age-encryption.org/") || text.startsWith("-----BEGIN")) return undefined
  const lines = keyLines(text)
  if (lines === undefined) return undefined
  const identities: Array<LeanIdentity> = []
  for (const line of lines) {
    if (line === undefined) continue
    if (!line.startsWith("AGE-SECRET-KEY-1") || line !== line.toUpperCase()) return forget(identities)
    const secret = decodeBech32(line, "age-secret-key-")
    const publicKey = secret === undefined ? undefined : x25519(secret)
    if (secret === undefined || publicKey === undefined) return forget(identities)
    identities.push({ secret, publicKey })
  }
  return identities.length === 0 ? undefined : identities
}

/** Wipes identities' secrets. */
export const forget = (identities: ReadonlyArray<LeanIdentity>): undefined => {
  for (const identity of identities) identity.secret.fill(0)
  return undefined
}

const x25519Stanza = (fileKey: Uint8Array, recipient: Uint8Array): Stanza => {
  const ephemeral = crypto.randomBytes(32)
  try {
    const share = x25519(ephemeral)
    const shared = share === undefined ? undefined : x25519(ephemeral, recipient)
    if (share === undefined || shared === undefined) throw new Error("the X25519 recipient is a low-order point")
    const wrapKey = hkdf(shared, concat(share, recipient), X25519_INFO)
    shared.fill(0)
    const body = sealFileKey(wrapKey, fileKey)
    wrapKey.fill(0)
    return { type: "X25519", args: [encodeBase64(share)], body }
  } finally {
    ephemeral.fill(0)
  }
}

/** A new file's header and payload nonce (the bytes before the payload), and its payload key. */
export interface LeanHeader {
  readonly header: Uint8Array
  readonly payloadKey: Uint8Array
}

/** The header of a new file to X25519 recipients or a passphrase (scrypt, age's work factor). */
export const sealHeader = async (to: { readonly recipients: ReadonlyArray<Uint8Array> } | { readonly passphrase: Uint8Array }): Promise<LeanHeader> => {
  const fileKey = new Uint8Array(crypto.randomBytes(FILE_KEY_SIZE))
  try {
    let stanzas: Array<Stanza>
    if ("recipients" in to) stanzas = to.recipients.map((recipient) => x25519Stanza(fileKey, recipient))
    else {
      const salt = new Uint8Array(crypto.randomBytes(16))
      const wrapKey = await nodeScrypt(to.passphrase, concat(SCRYPT_LABEL, salt), LEAN_SCRYPT.encryptLogN)
      stanzas = [{ type: "scrypt", args: [encodeBase64(salt), String(LEAN_SCRYPT.encryptLogN)], body: sealFileKey(wrapKey, fileKey) }]
      wrapKey.fill(0)
    }
    const header = encodeHeader(stanzas, (macInput) => headerMac(fileKey, macInput))
    const nonce = new Uint8Array(crypto.randomBytes(NONCE_SIZE))
    return { header: concat(header, nonce), payloadKey: payloadKey(fileKey, nonce) }
  } finally {
    fileKey.fill(0)
  }
}

/**
 * What a file's header says to the lean path: its payload key and where the payload starts;
 * `BadPassphrase` (the passphrase does not unwrap it: the full program's "incorrect
 * passphrase"); `Passphrase` (a passphrase is needed: ask, then call again); `Full` (any
 * other case: the full program answers, with its own message).
 */
export type LeanOpened =
  | { readonly _tag: "Opened"; readonly payloadKey: Uint8Array; readonly payloadOffset: number }
  | { readonly _tag: "BadPassphrase" }
  | { readonly _tag: "Passphrase" }
  | { readonly _tag: "Full" }

const FULL: LeanOpened = { _tag: "Full" }

/** The parsed header at the start of `prefix` (the file's first bytes), or undefined: not a plain age header. */
export const leanParseHeader = (prefix: Uint8Array): ParsedHeader | undefined => {
  try {
    return tryParseHeader(prefix)
  } catch (error) {
    if (error instanceof HeaderFormatError) return undefined
    throw error
  }
}

const DECIMAL = /^[1-9][0-9]*$/

/** The file key from an X25519 stanza for one of `identities`; undefined: no match, or a case the full program names. */
const x25519FileKey = (stanzas: ReadonlyArray<Stanza>, identities: ReadonlyArray<LeanIdentity>): Uint8Array | "full" | undefined => {
  const shares: Array<Uint8Array> = []
  for (const stanza of stanzas) {
    const share = stanza.args.length === 1 ? decodeBase64(stanza.args[0]!) : undefined
    if (stanza.type !== "X25519" || share?.length !== 32 || stanza.body.length !== 32) return "full"
    shares.push(share)
  }
  for (const [index, stanza] of stanzas.entries()) {
    const share = shares[index]!
    for (const identity of identities) {
      const shared = x25519(identity.secret, share)
      if (shared === undefined) return "full"
      const wrapKey = hkdf(shared, concat(share, identity.publicKey), X25519_INFO)
      shared.fill(0)
      const fileKey = openFileKey(wrapKey, stanza.body)
      wrapKey.fill(0)
      if (fileKey !== undefined) return fileKey
    }
  }
  return undefined
}

/**
 * Opens a file's header (`prefix`: its first bytes, the header and nonce within them) with
 * X25519 identities, or with a passphrase when it is an scrypt file and no identity is given.
 */
export const openHeader = async (
  header: ParsedHeader,
  keys: { readonly identities: ReadonlyArray<LeanIdentity> } | { readonly passphrase: Uint8Array | undefined }
): Promise<LeanOpened> => {
  const { stanzas } = header
  let fileKey: Uint8Array | undefined
  if (stanzas.some((s) => s.type === "scrypt")) {
    const stanza = stanzas[0]!
    if (!("passphrase" in keys) || stanzas.length !== 1 || stanza.args.length !== 2) return FULL
    const salt = decodeBase64(stanza.args[0]!)
    const factor = stanza.args[1]!
    if (salt?.length !== 16 || !DECIMAL.test(factor) || Number(factor) > LEAN_SCRYPT.maxLogN || stanza.body.length !== 32) return FULL
    if (keys.passphrase === undefined) return { _tag: "Passphrase" }
    const wrapKey = await nodeScrypt(keys.passphrase, concat(SCRYPT_LABEL, salt), Number(factor))
    fileKey = openFileKey(wrapKey, stanza.body)
    wrapKey.fill(0)
    if (fileKey === undefined) return { _tag: "BadPassphrase" }
  } else {
    if (!("identities" in keys) || keys.identities.length === 0) return FULL
    const found = x25519FileKey(stanzas, keys.identities)
    if (found === undefined || found === "full") return FULL
    fileKey = found
  }
  try {
    const mac = headerMac(fileKey, header.macInput)
    if (mac.length !== MAC_SIZE || !crypto.timingSafeEqual(mac, header.mac)) return FULL
    return { _tag: "Opened", payloadKey: payloadKey(fileKey, header.nonce), payloadOffset: header.headerLength + NONCE_SIZE }
  } finally {
    fileKey.fill(0)
  }
}

/** Why a payload does not open: core's AgeError reasons of these names. */
export type PayloadRejection = "Tampered" | "Truncated" | "TrailingData" | "EmptyLastChunk"

/** The addon's calls this path makes (their contract: packages/native/index.d.cts). */
type AgeFileAddon = Pick<typeof import("@sluice/native"), "aeadVersion" | "ageFileAsync">

/** @sluice/native's whole-payload kernel, where it is built and this Node exports OpenSSL's ChaCha20-Poly1305. */
export const ageFileAddon = nativeAddon<AgeFileAddon>("@sluice/native", (addon) => {
  if (typeof addon.ageFileAsync !== "function" || addon.aeadVersion() === undefined) throw new Error("no age file kernel")
}, "SLUICE_NATIVE_AEAD")

export interface PayloadRun {
  readonly encrypt: boolean
  readonly key: Uint8Array
  readonly inFd: number
  readonly inOffset: number
  readonly inLength: number
  readonly outFd: number
  readonly outOffset: number
  /** Written at its own offsets (a regular file, /dev/null); else in order (a pipe). */
  readonly positional: boolean
  readonly threads: number
}

export interface PayloadDone {
  readonly written: number
  readonly rejection?: { readonly reason: PayloadRejection; readonly chunk: number }
}

/** The whole payload through the addon, off this thread; `cancel()` stops it between windows. */
export const runPayload = (addon: AgeFileAddon, run: PayloadRun): { readonly done: Promise<PayloadDone>; readonly cancel: () => void } => {
  const control = new Uint8Array(new ArrayBuffer(16))
  const done = new Promise<PayloadDone>((resolve, reject) =>
    addon.ageFileAsync(run.key, run.encrypt, run.inFd, run.inOffset, run.inLength, run.outFd, run.outOffset, run.positional, run.threads, control, (error, written, rejection, chunk) => {
      if (error !== null) reject(error)
      else resolve(rejection === undefined ? { written: written! } : { written: written!, rejection: { reason: rejection, chunk: chunk! } })
    })
  )
  return { done, cancel: () => void (control[8] = 1) }
}

/** Messages of the payload's rejections, as core's AgeError reasons word them. */
export const rejectionMessage = (rejection: { readonly reason: PayloadRejection; readonly chunk: number }): string => {
  switch (rejection.reason) {
    case "Tampered":
      return `chunk ${rejection.chunk} of the payload failed to authenticate: the file was tampered with or damaged`
    case "Truncated":
      return `the payload is truncated: it ends at chunk ${rejection.chunk} without a final chunk`
    case "TrailingData":
      return `data follows the final chunk (chunk ${rejection.chunk}) of the payload`
    case "EmptyLastChunk":
      return "the final chunk of the payload is empty, which only an empty payload may have"
  }
}
