import { base64 } from "@scure/base"
import type { Bytes } from "../der.js"
import { KeyParseError } from "../KeyError.js"

const encoder = new TextEncoder()
export const utf8 = (text: string): Bytes => encoder.encode(text) as Bytes

/**
 * RFC 7468 §2: the base64 of the bytes in lines of 64 characters between
 * `-----BEGIN label-----` and `-----END label-----`, each line ended by a newline.
 * `width` is 64 for PEM; OpenSSH's private key file uses 70 (PROTOCOL.key).
 */
export const armor = (label: string, der: Uint8Array, width = 64): string => {
  const text = base64.encode(der)
  const lines: Array<string> = []
  for (let at = 0; at < text.length; at += width) lines.push(text.slice(at, at + width))
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`
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
