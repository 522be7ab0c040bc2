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

/**
 * RFC 4648 §4 base64 of `bytes`, padded; with a `width`, in lines of that many characters,
 * each ended by a newline (an empty input gives one empty line, as a join of no lines and
 * its newline would). The same text as `@scure/base`'s `base64.encode` (and its lines), made
 * with one string and no array per call: a bulk run writes base64 three times a key.
 */
export const base64Text = (bytes: Uint8Array, width = 0): string => {
  const chars = 4 * Math.ceil(bytes.length / 3)
  const size = width > 0 ? chars + Math.max(1, Math.ceil(chars / width)) : chars
  if (scratch.length < size) scratch = new Uint8Array(2 * size)
  const out = scratch
  let at = 0
  let line = 0
  const put = (c: number) => {
    out[at++] = c
    if (width > 0 && ++line === width) {
      out[at++] = NEWLINE
      line = 0
    }
  }
  let i = 0
  for (; i + 2 < bytes.length; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    put(ALPHABET[v >>> 18]!)
    put(ALPHABET[(v >>> 12) & 63]!)
    put(ALPHABET[(v >>> 6) & 63]!)
    put(ALPHABET[v & 63]!)
  }
  if (i < bytes.length) {
    const two = i + 1 < bytes.length
    const v = (bytes[i]! << 16) | (two ? bytes[i + 1]! << 8 : 0)
    put(ALPHABET[v >>> 18]!)
    put(ALPHABET[(v >>> 12) & 63]!)
    put(two ? ALPHABET[(v >>> 6) & 63]! : EQUALS)
    put(EQUALS)
  }
  if (width > 0 && (line > 0 || at === 0)) out[at++] = NEWLINE
  const text = ascii.decode(out.subarray(0, at))
  out.fill(0, 0, at)
  return text
}

/**
 * RFC 7468 §2: the base64 of the bytes in lines of 64 characters between
 * `-----BEGIN label-----` and `-----END label-----`, each line ended by a newline.
 * `width` is 64 for PEM; OpenSSH's private key file uses 70 (PROTOCOL.key).
 */
export const armor = (label: string, der: Uint8Array, width = 64): string =>
  `-----BEGIN ${label}-----\n${base64Text(der, width)}-----END ${label}-----\n`

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
