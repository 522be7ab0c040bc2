/**
 * Bulk generation's JSON lines (`keyLines.ts`' shape, byte for byte) written straight into
 * the batch's buffer: the PEM and DER forms and the fingerprints as bytes, from each key's
 * DER and digest in scratch buffers reused from key to key, with no string, array or hash
 * object made per key; any other form through its text (`encodeKeyText`). A key's line
 * then leaves almost no garbage, which a worker's heap and V8's helper threads (its
 * collector) would otherwise spend CPU on, on a machine whose cores the other workers
 * want. Loaded with the handlers (a worker's keygen chunk), never by the calling thread.
 */
import { sha256 } from "@noble/hashes/sha2.js"
import { encodeKeyNow, encodeKeyText } from "./encodeKey.js"
import { thumbprintInputInto } from "./formats/jwk.js"
import { publicBlobView, sshName } from "./formats/openssh.js"
import { armorJsonInto, armorJsonSize, base64Size, utf8, writeBase64, writeBase64Url } from "./formats/pem.js"
import { fixedDerInto } from "./formats/pkcs8.js"
import { type EncodeOptions, type KeyFormat, SECRET_FORMATS } from "./KeyFormat.js"
import { type KeyLineLayout, keyLineTemplate, lineValueOfBytes, lineValueOfText } from "./keyLines.js"
import type { KeyPair } from "./KeyPair.js"

/** Where a line is written: a growable buffer (the handlers' `ByteBuilder`). */
export interface LineSink {
  /** Bytes written so far. */
  readonly length: number
  /** The buffer, with room for `n` bytes from `length` (a new one when it grew). */
  reserve(n: number): Uint8Array
  /** The bytes up to `end` are written (after `reserve`). */
  advanceTo(end: number): void
  /** Appends `text` as UTF-8. */
  append(text: string): number
}

/** SHA-256 of `data` into `out` (32 bytes): the kernel's `sha256Into`, else noble's. */
export type Sha256Into = (data: Uint8Array, out: Uint8Array) => void

export const nobleSha256Into: Sha256Into = (data, out) => {
  sha256.create().update(data).digestInto(out)
}

/** A form of a key that could not be written (its text never included). */
export class LineValueFailed {
  constructor(readonly format: KeyFormat) {}
}

export interface KeyLineWriter {
  /** Key `index`'s line (counted from 0; the line says `index + 1`), with its newline. The pair is the caller's to wipe. */
  readonly write: (sink: LineSink, index: number, pair: KeyPair) => void
}

type ValueWriter = (sink: LineSink, pair: KeyPair) => void

const QUOTE = 0x22
const EQUALS = 0x3d
const ZERO = 0x30

/** A key's DER (wiped after each use), its digest, and a thumbprint's input, reused from key to key. */
const der = new Uint8Array(1024)
const digest = new Uint8Array(32)
const input = new Uint8Array(512)
const SHA256_PREFIX = utf8(`"SHA256:`)

/** Writes `n` (a whole number) in decimal. */
const writeUint = (out: Uint8Array, at: number, n: number): number => {
  let digits = 1
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++
  for (let i = at + digits - 1, x = n; i >= at; i--, x = Math.floor(x / 10)) out[i] = ZERO + (x % 10)
  return at + digits
}

const writeBytes = (sink: LineSink, bytes: Uint8Array): void => {
  const out = sink.reserve(bytes.length)
  out.set(bytes, sink.length)
  sink.advanceTo(sink.length + bytes.length)
}

/**
 * The form through its text (or bytes) and `lineValueOfText`/`lineValueOfBytes`, as a
 * line is built from strings: every form that is made at once.
 */
const textValue = (format: KeyFormat, options: EncodeOptions): ValueWriter => (sink, pair) => {
  const text = encodeKeyText(pair, format, options)
  if (text !== undefined) {
    sink.append(lineValueOfText(format, text))
    return
  }
  const bytes = encodeKeyNow(pair, format, options)
  if (bytes === undefined) throw new Error(`${format} is not made at once`)
  sink.append(lineValueOfBytes(format, bytes))
  if (SECRET_FORMATS.has(format)) bytes.fill(0)
}

/** PKCS#8 or SPKI, as PEM or DER, from the type's fixed layout (OKP, EC); else through `fallback`. */
const derValue = (private_: boolean, label: string | undefined, fallback: ValueWriter): ValueWriter => (sink, pair) => {
  const n = fixedDerInto(pair, private_, der)
  if (n < 0) return fallback(sink, pair)
  try {
    const bytes = der.subarray(0, n)
    if (label !== undefined) {
      const out = sink.reserve(armorJsonSize(label, n))
      sink.advanceTo(armorJsonInto(label, bytes, 64, out, sink.length))
    } else {
      const out = sink.reserve(base64Size(n) + 2)
      let at = sink.length
      out[at++] = QUOTE
      at = writeBase64(bytes, 0, out, at)
      out[at++] = QUOTE
      sink.advanceTo(at)
    }
  } finally {
    der.fill(0, 0, n)
  }
}

/** `"SHA256:` and the unpadded base64 of the blob's SHA-256, `"`. */
const sshFingerprintValue = (hash: Sha256Into, fallback: ValueWriter): ValueWriter => (sink, pair) => {
  if (sshName(pair.type) === undefined) return fallback(sink, pair)
  hash(publicBlobView(pair), digest)
  const out = sink.reserve(SHA256_PREFIX.length + base64Size(32) + 1)
  out.set(SHA256_PREFIX, sink.length)
  let at = writeBase64(digest, 0, out, sink.length + SHA256_PREFIX.length)
  while (out[at - 1] === EQUALS) at--
  out[at++] = QUOTE
  sink.advanceTo(at)
}

/** The RFC 7638 thumbprint, quoted, from its input written as bytes (OKP, EC); else through `fallback`. */
const thumbprintValue = (hash: Sha256Into, fallback: ValueWriter): ValueWriter => (sink, pair) => {
  const n = thumbprintInputInto(pair, input)
  if (n < 0) return fallback(sink, pair)
  hash(input.subarray(0, n), digest)
  const out = sink.reserve(base64Size(32) + 2)
  let at = sink.length
  out[at++] = QUOTE
  at = writeBase64Url(digest, out, at)
  out[at++] = QUOTE
  sink.advanceTo(at)
}

const valueWriter = (format: KeyFormat, options: EncodeOptions, hash: Sha256Into): ValueWriter => {
  const text = textValue(format, options)
  switch (format) {
    case "pkcs8-pem":
      return derValue(true, "PRIVATE KEY", text)
    case "spki-pem":
      return derValue(false, "PUBLIC KEY", text)
    case "pkcs8-der":
      return derValue(true, undefined, text)
    case "spki-der":
      return derValue(false, undefined, text)
    case "ssh-fingerprint":
      return sshFingerprintValue(hash, text)
    case "jwk-thumbprint":
      return thumbprintValue(hash, text)
    default:
      return text
  }
}

/** Whether `format` is made at once with these options (encrypted PKCS#8 without the run's key derives its own, asynchronously). */
const madeAtOnce = (format: KeyFormat, options: EncodeOptions): boolean =>
  options.pbes2Key !== undefined || (format !== "pkcs8-encrypted-pem" && format !== "pkcs8-encrypted-der")

/**
 * The writer of a batch's lines, or undefined where a form of the line is made only
 * through a promise (encrypted PKCS#8 with no key derived for the run): the caller then
 * builds the line from strings (`keyJsonLine`).
 */
export const keyLineWriter = (layout: KeyLineLayout, options: EncodeOptions, hash: Sha256Into = nobleSha256Into): KeyLineWriter | undefined => {
  const template = keyLineTemplate(layout)
  // The forms the line holds, in its order: the fields, then the fingerprints.
  const forms: Array<KeyFormat> = layout.formats.slice(0, layout.fields)
  const names = template.names.map(utf8)
  if (template.ssh !== -1) {
    forms.push("ssh-fingerprint")
    names.push(utf8(`,"sshFingerprint":`))
  }
  if (template.jwk !== -1) {
    forms.push("jwk-thumbprint")
    names.push(utf8(`,"jwkThumbprint":`))
  }
  if (!forms.every((format) => madeAtOnce(format, options))) return undefined
  const values = forms.map((format) => valueWriter(format, options, hash))
  const head = utf8(`{"index":`)
  const type = utf8(template.type)
  const end = utf8("}\n")
  return {
    write: (sink, index, pair) => {
      const out = sink.reserve(head.length + 16 + type.length)
      out.set(head, sink.length)
      const at = writeUint(out, sink.length + head.length, index + 1)
      out.set(type, at)
      sink.advanceTo(at + type.length)
      for (let i = 0; i < values.length; i++) {
        writeBytes(sink, names[i]!)
        try {
          values[i]!(sink, pair)
        } catch {
          throw new LineValueFailed(forms[i]!)
        }
      }
      writeBytes(sink, end)
    }
  }
}
