import { base64 } from "@scure/base"
import type { Bytes } from "../der.js"
import { KeyParseError } from "../KeyError.js"

const encoder = new TextEncoder()
export const utf8 = (text: string): Bytes => encoder.encode(text) as Bytes

const ALPHABET = utf8("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
const EQUALS = 0x3d
const NEWLINE = 0x0a
const ascii = new TextDecoder()
/** Where base64 is written as ASCII before it becomes a string: one buffer, grown as needed, wiped after each use. */
let scratch = new Uint8Array(1024)

/** Bytes `writeBase64` writes for `n` bytes at `width` (0: one line, no newline), each newline `newline` bytes. */
export const base64Size = (n: number, width = 0, newline = 1): number => {
  const chars = 4 * Math.ceil(n / 3)
  return width > 0 ? chars + newline * Math.max(1, Math.ceil(chars / width)) : chars
}

const BACKSLASH = 0x5c
const LETTER_N = 0x6e

/**
 * RFC 4648 §4 base64 of `bytes`, padded, written as ASCII into `out` from `at` (which has
 * `base64Size` bytes there); with a `width`, in lines of that many characters, each ended
 * by a newline (an empty input gives one empty line). `escaped`: each newline written as
 * JSON escapes it (`\n`, two bytes), for a JSON string written straight as bytes. Returns
 * where it stopped.
 */
export const writeBase64 = (bytes: Uint8Array, width: number, out: Uint8Array, at: number, escaped = false): number => {
  const n = bytes.length
  const whole = n - (n % 3)
  const nl = escaped ? 2 : 1
  let line = 0
  for (let i = 0; i < whole; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    out[at] = ALPHABET[v >>> 18]!
    out[at + 1] = ALPHABET[(v >>> 12) & 63]!
    out[at + 2] = ALPHABET[(v >>> 6) & 63]!
    out[at + 3] = ALPHABET[v & 63]!
    at += 4
    // Widths are multiples of 2 (64, 70); a line may end inside a group of four.
    if (width > 0 && (line += 4) >= width) {
      const over = line - width
      if (over > 0) out.copyWithin(at - over + nl, at - over, at)
      if (escaped) {
        out[at - over] = BACKSLASH
        out[at - over + 1] = LETTER_N
      } else out[at - over] = NEWLINE
      at += nl
      line = over
    }
  }
  if (whole < n) {
    const two = whole + 1 < n
    const v = (bytes[whole]! << 16) | (two ? bytes[whole + 1]! << 8 : 0)
    for (let k = 0; k < 4; k++) {
      out[at++] = k === 0 ? ALPHABET[v >>> 18]! : k === 1 ? ALPHABET[(v >>> 12) & 63]! : k === 2 && two ? ALPHABET[(v >>> 6) & 63]! : EQUALS
      if (width > 0 && ++line === width) {
        at = writeNewline(out, at, escaped)
        line = 0
      }
    }
  }
  if (width > 0 && (line > 0 || n === 0)) at = writeNewline(out, at, escaped)
  return at
}

const writeNewline = (out: Uint8Array, at: number, escaped: boolean): number => {
  if (!escaped) {
    out[at] = NEWLINE
    return at + 1
  }
  out[at] = BACKSLASH
  out[at + 1] = LETTER_N
  return at + 2
}

/**
 * RFC 4648 §4 base64 of `bytes`, padded; with a `width`, in lines of that many characters,
 * each ended by a newline (an empty input gives one empty line, as a join of no lines and
 * its newline would). The same text as `@scure/base`'s `base64.encode` (and its lines), made
 * with one string and no array per call: a bulk run writes base64 three times a key.
 */
export const base64Text = (bytes: Uint8Array, width = 0): string => {
  const size = base64Size(bytes.length, width)
  if (scratch.length < size) scratch = new Uint8Array(2 * size)
  const at = writeBase64(bytes, width, scratch, 0)
  const text = ascii.decode(scratch.subarray(0, at))
  scratch.fill(0, 0, at)
  return text
}

const URL_ALPHABET = utf8("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

/**
 * RFC 4648 §5 base64url without padding (JWK's and the thumbprint's) of `bytes`, written
 * as ASCII into `out` from `at` (`base64Size(n)` bytes there at most); returns where it stopped.
 */
export const writeBase64Url = (bytes: Uint8Array, out: Uint8Array, at: number): number => {
  const n = bytes.length
  let i = 0
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    out[at++] = URL_ALPHABET[v >>> 18]!
    out[at++] = URL_ALPHABET[(v >>> 12) & 63]!
    out[at++] = URL_ALPHABET[(v >>> 6) & 63]!
    out[at++] = URL_ALPHABET[v & 63]!
  }
  if (i < n) {
    const two = i + 1 < n
    const v = (bytes[i]! << 16) | (two ? bytes[i + 1]! << 8 : 0)
    out[at++] = URL_ALPHABET[v >>> 18]!
    out[at++] = URL_ALPHABET[(v >>> 12) & 63]!
    if (two) out[at++] = URL_ALPHABET[(v >>> 6) & 63]!
  }
  return at
}

/**
 * RFC 4648 §5 base64url without padding (JWK's and the thumbprint's), the same text as
 * `@scure/base`'s `base64urlnopad.encode`, made with one string and no array per call.
 */
export const base64UrlText = (bytes: Uint8Array): string => {
  if (scratch.length < base64Size(bytes.length)) scratch = new Uint8Array(2 * base64Size(bytes.length))
  const at = writeBase64Url(bytes, scratch, 0)
  const text = ascii.decode(scratch.subarray(0, at))
  scratch.fill(0, 0, at)
  return text
}

/** Each label's `-----BEGIN label-----\n` and `-----END label-----\n`, as ASCII, made once. */
const armorLines = new Map<string, { readonly begin: Uint8Array; readonly end: Uint8Array }>()
const linesOf = (label: string) => {
  let lines = armorLines.get(label)
  if (lines === undefined) armorLines.set(label, lines = { begin: utf8(`-----BEGIN ${label}-----\n`), end: utf8(`-----END ${label}-----\n`) })
  return lines
}
/** The same as a JSON string's opening and closing: `"-----BEGIN label-----\\n` and `-----END label-----\\n"`. */
const jsonArmorLines = new Map<string, { readonly begin: Uint8Array; readonly end: Uint8Array }>()
const jsonLinesOf = (label: string) => {
  let lines = jsonArmorLines.get(label)
  if (lines === undefined) {
    const { begin, end } = linesOf(label)
    const json = (text: Uint8Array) => utf8(JSON.stringify(ascii.decode(text)))
    const b = json(begin)
    const e = json(end)
    jsonArmorLines.set(label, lines = { begin: b.subarray(0, b.length - 1), end: e.subarray(1) })
  }
  return lines
}

/** Bytes of `armorJsonInto`'s value for `n` bytes of DER. */
export const armorJsonSize = (label: string, n: number, width = 64): number => {
  const { begin, end } = jsonLinesOf(label)
  return begin.length + base64Size(n, width, 2) + end.length
}

/**
 * `armor`'s text as a JSON string (quoted, each newline escaped: the bytes of
 * `JSON.stringify(armor(label, der, width))`), written into `out` from `at`
 * (`armorJsonSize` bytes there); returns where it stopped. For JSON lines made straight
 * as bytes, with no string between.
 */
export const armorJsonInto = (label: string, der: Uint8Array, width: number, out: Uint8Array, at: number): number => {
  const { begin, end } = jsonLinesOf(label)
  out.set(begin, at)
  at = writeBase64(der, width, out, at + begin.length, true)
  out.set(end, at)
  return at + end.length
}

/** Bytes of `armorInto`'s text for `n` bytes of DER. */
export const armorSize = (label: string, n: number, width = 64): number => {
  const { begin, end } = linesOf(label)
  return begin.length + base64Size(n, width) + end.length
}

/** `armor`'s text as ASCII, written into `out` from `at` (`armorSize` bytes there); returns where it stopped. */
export const armorInto = (label: string, der: Uint8Array, width: number, out: Uint8Array, at: number): number => {
  const { begin, end } = linesOf(label)
  out.set(begin, at)
  at = writeBase64(der, width, out, at + begin.length)
  out.set(end, at)
  return at + end.length
}

/**
 * RFC 7468 §2: the base64 of the bytes in lines of 64 characters between
 * `-----BEGIN label-----` and `-----END label-----`, each line ended by a newline.
 * `width` is 64 for PEM; OpenSSH's private key file uses 70 (PROTOCOL.key). Written as
 * ASCII in one buffer and made one string (no pieces joined).
 */
export const armor = (label: string, der: Uint8Array, width = 64): string => {
  const size = armorSize(label, der.length, width)
  if (scratch.length < size) scratch = new Uint8Array(2 * size)
  const at = armorInto(label, der, width, scratch, 0)
  const text = ascii.decode(scratch.subarray(0, at))
  scratch.fill(0, 0, at)
  return text
}

/**
 * The bytes of the first block labelled `label` (RFC 7468 §3's lax parser: any
 * whitespace inside the base64, text before and after the block ignored).
 */
export const unarmor = (text: string, label: string, format: string): Bytes => {
  const begin = `-----BEGIN ${label}-----`
  const end = `-----END ${label}-----`
  const start = text.indexOf(begin)
  const stop = start < 0 ? -1 : text.indexOf(end, start + begin.length)
  if (start < 0 || stop < 0) throw new KeyParseError({ format, problem: `no ${label} block` })
  try {
    return base64.decode(text.slice(start + begin.length, stop).replace(/\s+/g, "")) as Bytes
  } catch {
    throw new KeyParseError({ format, problem: "bad base64" })
  }
}

/** The label of the first PEM block in `text`, if any. */
export const pemLabel = (text: string): string | undefined => /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text)?.[1]
