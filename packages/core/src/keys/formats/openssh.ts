import { ctr } from "@noble/ciphers/aes.js"
import { ed25519 } from "@noble/curves/ed25519.js"
import { sha256 } from "@noble/hashes/sha2.js"
import { randomBytes } from "@noble/hashes/utils.js"
import { base64 } from "@scure/base"
import { type Bytes, concat, copy, padTo, withRoom } from "../der.js"
import { KeyParseError } from "../KeyError.js"
import { ecFromScalar, publicKeyProblem } from "../KeyKernel.js"
import type { KeyPair, PublicKey } from "../KeyPair.js"
import { type EcInfo, type EcType, KEY_INFO, KEY_TYPES, type KeyType } from "../KeyType.js"
import { bcryptPbkdf } from "./bcryptPbkdf.js"
import { armor, base64Text, unarmor, utf8 } from "./pem.js"
import { rsaType } from "./pkcs8.js"
import { BCRYPT_ROUNDS } from "../KeyFormat.js"

// RFC 4251 §5: the SSH wire encodings.
const uint32 = (n: number): Bytes => {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, n)
  return out
}
const string = (bytes: Uint8Array | string): Bytes => {
  const b = typeof bytes === "string" ? utf8(bytes) : bytes
  return concat(uint32(b.length), b)
}

/**
 * SSH wire data written into one buffer, grown as needed: a key file is written with no
 * array per field. Reused from key to key (`reset`), and wiped by its user after each.
 */
class Wire {
  bytes = new Uint8Array(512)
  at = 0
  reset(): this {
    this.at = 0
    return this
  }
  private room(n: number): void {
    this.bytes = withRoom(this.bytes, this.at, n)
  }
  uint32(n: number): this {
    this.room(4)
    const b = this.bytes
    b[this.at] = n >>> 24
    b[this.at + 1] = (n >>> 16) & 0xff
    b[this.at + 2] = (n >>> 8) & 0xff
    b[this.at + 3] = n & 0xff
    this.at += 4
    return this
  }
  raw(bytes: Uint8Array): this {
    this.room(bytes.length)
    this.bytes.set(bytes, this.at)
    this.at += bytes.length
    return this
  }
  string(bytes: Uint8Array | string): this {
    if (typeof bytes !== "string") return this.uint32(bytes.length).raw(bytes)
    this.room(4 + 3 * bytes.length)
    const { written } = textEncoder.encodeInto(bytes, this.bytes.subarray(this.at + 4))
    this.uint32(written)
    this.at += written
    return this
  }
  /** RFC 4251 §5 mpint: two's complement, minimal, a 0 byte before a set top bit; zero is empty. */
  mpint(magnitude: Uint8Array): this {
    let start = 0
    while (start < magnitude.length && magnitude[start] === 0) start++
    const n = magnitude.length - start
    const lead = n > 0 && magnitude[start]! & 0x80 ? 1 : 0
    this.uint32(n + lead)
    this.room(n + lead)
    if (lead) this.bytes[this.at++] = 0
    this.bytes.set(magnitude.subarray(start), this.at)
    this.at += n
    return this
  }
  /** What was written, a view of the buffer (valid until the next `reset`). */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.at)
  }
  wipe(): void {
    this.bytes.fill(0, 0, this.at)
    this.at = 0
  }
}
const textEncoder = new TextEncoder()

/** The OpenSSH name of a key's type, or undefined where OpenSSH has no such key. */
export const sshName = (type: KeyType): string | undefined => {
  const info = KEY_INFO[type]
  return info.family === "pq" ? undefined : info.ssh
}

/**
 * The public key blob: RFC 8709 §4 (ssh-ed25519: string name, string key), RFC 5656 §3.1
 * (ecdsa-sha2-*: string name, string curve, string Q), RFC 4253 §6.6 (ssh-rsa: string
 * name, mpint e, mpint n).
 */
export const publicBlob = (key: PublicKey): Bytes => {
  // One key's forms ask for its blob several times in a row (the .pub line, the
  // fingerprint, the private file): the last one is kept, for the same key object.
  if (key === lastBlobKey) return lastBlob!
  const blob = copy(writePublicBlob(blobWire.reset(), key).view())
  lastBlobKey = key
  lastBlob = blob
  return blob
}
const blobWire = new Wire()
/** The public key blob as a view of a buffer reused from call to call (valid until the next): no array made. */
export const publicBlobView = (key: PublicKey): Uint8Array => writePublicBlob(blobWire.reset(), key).view()
let lastBlobKey: PublicKey | undefined
let lastBlob: Bytes | undefined

const writePublicBlob = (w: Wire, key: PublicKey): Wire => {
  const name = sshName(key.type)
  if (name === undefined) throw new Error(`${key.type} has no OpenSSH form`)
  switch (key.family) {
    case "okp":
      return w.string(name).string(key.publicKey)
    case "ec":
      return w.string(name).string((KEY_INFO[key.type] as EcInfo).sshCurve).string(key.publicKey)
    case "rsa":
      return w.string(name).mpint(key.e).mpint(key.n)
    case "pq":
      throw new Error("unreachable")
  }
}

/** The `authorized_keys` line (sshd(8) AUTHORIZED_KEYS FILE FORMAT): type, base64 blob, comment. */
export const authorizedKeysLine = (key: PublicKey, comment = ""): string =>
  `${sshName(key.type)} ${base64Text(publicBlob(key))}${comment === "" ? "" : ` ${comment}`}`

/** `ssh-keygen -lf`'s fingerprint: SHA-256 of the blob, base64 without padding (OpenSSH sshkey_fingerprint). */
export const sshFingerprint = (key: PublicKey): string => {
  const text = base64Text(sha256(publicBlob(key)))
  let end = text.length
  while (end > 0 && text.charCodeAt(end - 1) === 0x3d) end--
  return `SHA256:${text.slice(0, end)}`
}

/** The private fields after the type name, as PROTOCOL.key and sshkey_private_serialize write them. */
const writePrivateFields = (w: Wire, pair: KeyPair): Wire => {
  switch (pair.family) {
    // ed25519: string pub, string (seed ‖ pub).
    case "okp":
      return w.string(pair.publicKey).uint32(pair.seed.length + pair.publicKey.length).raw(pair.seed).raw(pair.publicKey)
    // ecdsa: string curve, string Q, mpint d.
    case "ec":
      return w.string((KEY_INFO[pair.type] as EcInfo).sshCurve).string(pair.publicKey).mpint(pair.d)
    // rsa: mpint n, e, d, iqmp, p, q.
    case "rsa":
      return w.mpint(pair.n).mpint(pair.e).mpint(pair.d).mpint(pair.qi).mpint(pair.p).mpint(pair.q)
    case "pq":
      throw new Error("unreachable")
  }
}

const MAGIC = utf8("openssh-key-v1\0")
export { BCRYPT_ROUNDS }
/** ssh-keygen's salt size for bcrypt_pbkdf (its rounds: BCRYPT_ROUNDS, DEFAULT_ROUNDS in sshkey.c). */
const SALT_BYTES = 16

const bcrypt = (passphrase: Uint8Array, salt: Uint8Array, rounds: number): Uint8Array => {
  const out = new Uint8Array(48)
  if (bcryptPbkdf(passphrase, passphrase.length, salt, salt.length, out, out.length, rounds) !== 0) {
    throw new Error("bcrypt_pbkdf refused its parameters")
  }
  return out
}

/**
 * The `openssh-key-v1` private key file (OpenSSH PROTOCOL.key): one key, unencrypted
 * (cipher and kdf "none", padded to 8 bytes) or, given a passphrase, as ssh-keygen does
 * it: bcrypt_pbkdf with a 16-byte salt and 16 rounds gives aes256-ctr's key and IV (48
 * bytes), and the private section is padded to the cipher's 16-byte block. A new salt and
 * derivation for every key, even in a run of many: the 48 bytes are the CTR key AND its IV,
 * so two files under one salt would share a keystream (see `Pbes2Key.ts`).
 */
export const opensshPrivateKey = (pair: KeyPair, comment = "", passphrase?: Uint8Array, rounds = BCRYPT_ROUNDS): string => {
  const name = sshName(pair.type)
  if (name === undefined) throw new Error(`${pair.type} has no OpenSSH form`)
  if (checkAt === checkWords.length) {
    crypto.getRandomValues(checkWords)
    checkAt = 0
  }
  checkWord.set(checkWords.subarray(checkAt, checkAt + 4))
  checkWords.fill(0, checkAt, checkAt += 4)
  const body = sectionWire.reset()
  const file = fileWire.reset()
  try {
    writePrivateFields(body.raw(checkWord).raw(checkWord).string(name), pair).string(comment)
    const block = passphrase === undefined ? 8 : 16
    // Padding 1, 2, 3... to the block.
    body.raw(PADDING.subarray(0, (block - (body.at % block)) % block))
    file.raw(MAGIC)
    if (passphrase === undefined) {
      file.raw(PLAIN_HEADER).uint32(1).string(publicBlob(pair)).string(body.view())
    } else {
      const salt = randomBytes(SALT_BYTES)
      const keyIv = bcrypt(passphrase, salt, rounds)
      const section = ctr(keyIv.subarray(0, 32), keyIv.subarray(32, 48)).encrypt(body.view())
      keyIv.fill(0)
      file.string("aes256-ctr").string("bcrypt").uint32(4 + salt.length + 4).string(salt).uint32(rounds)
        .uint32(1).string(publicBlob(pair)).string(section)
      section.fill(0)
    }
    return armor("OPENSSH PRIVATE KEY", file.view(), 70)
  } finally {
    body.wipe()
    file.wipe()
    checkWord.fill(0)
  }
}
const sectionWire = new Wire()
const fileWire = new Wire()
const checkWord = new Uint8Array(4)
/** Check words drawn from the CSPRNG 256 at a time (one call per 256 keys, not one per key), each wiped once taken. */
const checkWords = new Uint8Array(1024)
let checkAt = checkWords.length
const PADDING = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
/** Cipher "none", KDF "none", empty KDF options. */
const PLAIN_HEADER = concat(string("none"), string("none"), string(new Uint8Array(0)))

/** A reader of SSH wire data that throws a parse error past its end. */
class Reader {
  at = 0
  constructor(readonly bytes: Uint8Array, readonly format: string) {}
  take(n: number): Bytes {
    if (this.at + n > this.bytes.length) throw new KeyParseError({ format: this.format, problem: "truncated" })
    const out = copy(this.bytes.subarray(this.at, this.at + n))
    this.at += n
    return out
  }
  uint32(): number {
    return new DataView(this.take(4).buffer).getUint32(0)
  }
  string(): Bytes {
    return this.take(this.uint32())
  }
  text(): string {
    return new TextDecoder().decode(this.string())
  }
  mpint(): Bytes {
    const b = this.string()
    if (b.length > 0 && b[0]! & 0x80) throw new KeyParseError({ format: this.format, problem: "negative mpint" })
    let start = 0
    while (start < b.length - 1 && b[start] === 0) start++
    return copy(b.subarray(start))
  }
}

const typeOfName = (name: string, format: string): KeyType => {
  const type = KEY_TYPES.find((t) => sshName(t) === name)
  if (type === undefined) throw new KeyParseError({ format, problem: `the key type ${name}` })
  return type
}

const readPublicBlob = (blob: Uint8Array, format: string): PublicKey => {
  const key = readPublicFields(blob, format)
  const problem = key.family === "rsa" ? undefined : publicKeyProblem(key.type, key.publicKey)
  if (problem !== undefined) throw new KeyParseError({ format, problem })
  return key
}

const readPublicFields = (blob: Uint8Array, format: string): PublicKey => {
  const r = new Reader(blob, format)
  const name = r.text()
  const type = typeOfName(name, format)
  const info = KEY_INFO[type]
  switch (info.family) {
    case "okp":
      return { family: "okp", type: "ed25519", publicKey: r.string() }
    case "ec": {
      if (r.text() !== info.sshCurve) throw new KeyParseError({ format, problem: "curve does not match the type" })
      return { family: "ec", type: type as EcType, publicKey: r.string() }
    }
    case "rsa": {
      const e = r.mpint()
      const n = r.mpint()
      return { family: "rsa", type: rsaType(n, format), n, e }
    }
    default:
      throw new KeyParseError({ format, problem: `the key type ${name}` })
  }
}

/** Reads an `authorized_keys` line or a `.pub` file (options before the type are not read). */
export const parseAuthorizedKey = (line: string): { readonly key: PublicKey; readonly comment: string } => {
  const format = "OpenSSH public"
  const [name, data, ...rest] = line.trim().split(/\s+/)
  if (name === undefined || data === undefined) throw new KeyParseError({ format, problem: "not a key line" })
  let blob: Uint8Array
  try {
    blob = base64.decode(data)
  } catch {
    throw new KeyParseError({ format, problem: "bad base64" })
  }
  const key = readPublicBlob(blob, format)
  if (sshName(key.type) !== name) throw new KeyParseError({ format, problem: "the line's type is not the blob's" })
  return { key, comment: rest.join(" ") }
}

const modulo = (a: Uint8Array, m: bigint): Bytes => {
  const hex = (b: Uint8Array) => BigInt(`0x${Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("") || "0"}`)
  let v = hex(a) % m
  const out: Array<number> = []
  while (v > 0n) {
    out.unshift(Number(v & 0xffn))
    v >>= 8n
  }
  return Uint8Array.from(out.length === 0 ? [0] : out)
}
const toBig = (b: Uint8Array) => BigInt(`0x${Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("") || "0"}`)

/**
 * Reads an `openssh-key-v1` file as ssh-keygen writes it (unencrypted, or bcrypt +
 * aes256-ctr with `passphrase`). A wrong passphrase shows as mismatched check words,
 * and is told as that, never with a byte of the key.
 */
export const parseOpensshPrivateKey = (text: string, passphrase?: Uint8Array): { readonly pair: KeyPair; readonly comment: string } => {
  const format = "OpenSSH private"
  const file = unarmor(text, "OPENSSH PRIVATE KEY", format)
  const r = new Reader(file, format)
  if (!r.take(MAGIC.length).every((b, i) => b === MAGIC[i])) throw new KeyParseError({ format, problem: "no openssh-key-v1 magic" })
  const cipher = r.text()
  const kdf = r.text()
  const kdfOptions = r.string()
  if (r.uint32() !== 1) throw new KeyParseError({ format, problem: "more than one key" })
  const publicKey = readPublicBlob(r.string(), format)
  let section = r.string()
  if (cipher !== "none") {
    if (cipher !== "aes256-ctr" || kdf !== "bcrypt") throw new KeyParseError({ format, problem: `the cipher ${cipher} with ${kdf}` })
    if (passphrase === undefined) throw new KeyParseError({ format, problem: "encrypted, and no passphrase given" })
    const o = new Reader(kdfOptions, format)
    const salt = o.string()
    const keyIv = bcrypt(passphrase, salt, o.uint32())
    section = ctr(keyIv.subarray(0, 32), keyIv.subarray(32, 48)).decrypt(section)
    keyIv.fill(0)
  }
  const p = new Reader(section, format)
  if (p.uint32() !== p.uint32()) {
    throw new KeyParseError({ format, problem: cipher === "none" ? "check words differ" : "wrong passphrase or damaged file" })
  }
  const type = typeOfName(p.text(), format)
  const info = KEY_INFO[type]
  let pair: KeyPair
  switch (info.family) {
    case "okp": {
      const pub = p.string()
      const both = p.string()
      const seed = copy(both.subarray(0, 32))
      if (!ed25519.getPublicKey(seed).every((b, i) => b === pub[i])) throw new KeyParseError({ format, problem: "private and public keys differ" })
      pair = { family: "okp", type: "ed25519", seed, publicKey: pub }
      break
    }
    case "ec": {
      p.string() // curve
      p.string() // Q, recomputed below
      pair = ecFromScalar(type as EcType, padTo(p.mpint(), info.size))
      break
    }
    case "rsa": {
      const [n, e, d, qi, pp, q] = [p.mpint(), p.mpint(), p.mpint(), p.mpint(), p.mpint(), p.mpint()]
      pair = {
        family: "rsa",
        type: rsaType(n, format),
        n,
        e,
        d,
        p: pp,
        q,
        dp: modulo(d, toBig(pp) - 1n),
        dq: modulo(d, toBig(q) - 1n),
        qi
      }
      break
    }
    default:
      throw new KeyParseError({ format, problem: `the key type ${type}` })
  }
  const comment = p.text()
  section.fill(0)
  const samePub = authorizedKeysLine(pair) === authorizedKeysLine(publicKey)
  if (!samePub) throw new KeyParseError({ format, problem: "the public key does not match the private key" })
  return { pair, comment }
}

/**
 * What an `openssh-key-v1` file tells before any passphrase: its public key (kept in the
 * clear in the file's header, PROTOCOL.key) and whether its private section is encrypted.
 * age reads this to know which stanzas an encrypted key could open, and asks for the
 * passphrase only when one names it.
 */
export const opensshPrivateKeyHeader = (text: string): { readonly publicKey: PublicKey; readonly encrypted: boolean } => {
  const format = "OpenSSH private"
  const r = new Reader(unarmor(text, "OPENSSH PRIVATE KEY", format), format)
  if (!r.take(MAGIC.length).every((b, i) => b === MAGIC[i])) throw new KeyParseError({ format, problem: "no openssh-key-v1 magic" })
  const cipher = r.text()
  r.text()
  r.string()
  if (r.uint32() !== 1) throw new KeyParseError({ format, problem: "more than one key" })
  return { publicKey: readPublicBlob(r.string(), format), encrypted: cipher !== "none" }
}
