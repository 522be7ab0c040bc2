/**
 * The C2SP CCTV age vectors (in @sluice/vectors) as every age test reads them [CCTV
 * age/README.md "Test file format"]: `key: value` lines, an empty line, then the age file
 * (zlib-deflated when `compressed: zlib`, inflated by @sluice/vectors). One shape for all
 * (the file key as bytes). Also a lenient header reader for the stanza tests: it finds the
 * stanzas and the MAC'd bytes of well-formed headers, and answers undefined where a header
 * is not one (the real parser, header.ts, and the strict armor decoder, armor.ts, are the
 * modules under test elsewhere). Test code only, neutral like the folder (no Buffer).
 */
import { hkdf } from "@noble/hashes/hkdf.js"
import { hmac } from "@noble/hashes/hmac.js"
import { sha256 } from "@noble/hashes/sha2.js"
import { ageCctvFiles, ageCctvVector } from "@sluice/vectors"
import { decodeBase64 } from "./base64.js"
import type { Stanza } from "./stanza.js"
import { equalBytes } from "./stanzas/wrapKey.js"

export type CctvExpect = "success" | "no match" | "HMAC failure" | "header failure" | "payload failure" | "armor failure"

export interface CctvVector {
  readonly name: string
  readonly expect: CctvExpect
  /** SHA-256 (hex) of all plaintext a streaming decrypter releases, failures included. */
  readonly payload: string | undefined
  readonly fileKey: Uint8Array | undefined
  readonly identities: ReadonlyArray<string>
  readonly passphrases: ReadonlyArray<string>
  readonly armored: boolean
  readonly comment: string | undefined
  /** The age file (inflated). */
  readonly file: Uint8Array
}

const KNOWN = new Set(["expect", "payload", "file key", "identity", "passphrase", "armored", "compressed", "comment"])

export const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")
export const fromHex = (text: string): Uint8Array => Uint8Array.from(text.match(/../g) ?? [], (h) => parseInt(h, 16))

/** The vector `name`, or undefined when it has a key this reader does not know (the README: skip it). */
export const readCctv = (name: string): CctvVector | undefined => {
  const { fields, file } = ageCctvVector(name)
  // A vector with a key this reader does not know is skipped, as the README asks.
  if (fields.some(([key]) => !KNOWN.has(key))) return undefined
  const one = (key: string) => fields.find(([k]) => k === key)?.[1]
  const all = (key: string) => fields.filter(([k]) => k === key).map(([, v]) => v)
  const fileKey = one("file key")
  return {
    name,
    expect: one("expect") as CctvExpect,
    payload: one("payload"),
    fileKey: fileKey === undefined ? undefined : fromHex(fileKey),
    identities: all("identity"),
    passphrases: all("passphrase"),
    armored: one("armored") === "yes",
    comment: one("comment"),
    file
  }
}

/** The vector `name`, which this reader must know. */
export const cctv = (name: string): CctvVector => {
  const vector = readCctv(name)
  if (vector === undefined) throw new Error(`CCTV vector ${name} has a key this reader does not know`)
  return vector
}

/** Every vector this reader knows how to read. */
export const cctvVectors = (): ReadonlyArray<CctvVector> => ageCctvFiles().flatMap((name) => readCctv(name) ?? [])

/**
 * How each CCTV payload failure is classified (design §2 release semantics): the vectors
 * only say "payload failure"; this table pins the reason and chunk so a change shows.
 */
export const PAYLOAD_FAILURES: Readonly<Record<string, string>> = {
  armor_garbage_encoded: "TrailingData(0)",
  stream_bad_tag: "Tampered(0)",
  stream_bad_tag_second_chunk: "Tampered(1)",
  stream_bad_tag_second_chunk_full: "Tampered(1)",
  stream_last_chunk_empty: "EmptyLastChunk",
  stream_missing_tag: "Tampered(0)",
  stream_no_chunks: "Truncated(0)",
  stream_no_final: "Tampered(0)",
  stream_no_final_full: "Truncated(1)",
  stream_no_final_two_chunks: "Tampered(1)",
  stream_no_final_two_chunks_full: "Truncated(2)",
  stream_short_chunk: "Tampered(0)",
  stream_short_second_chunk: "Tampered(1)",
  stream_trailing_garbage_long: "TrailingData(0)",
  stream_trailing_garbage_short: "TrailingData(0)",
  stream_two_final_chunks: "TrailingData(0)",
  stream_two_final_chunks_full: "TrailingData(0)",
  stream_two_final_chunks_second: "TrailingData(1)",
  stream_two_final_chunks_short: "Tampered(0)"
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

/** Base64 leniently: any other character (padding, whitespace) skipped, a partial last quantum's bits dropped. */
const lenientBase64 = (text: string): Uint8Array => {
  const out: Array<number> = []
  let value = 0
  let bits = 0
  for (const c of text) {
    const v = BASE64.indexOf(c)
    if (v < 0) continue
    value = ((value << 6) | v) & 0xffff
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out.push((value >> bits) & 0xff)
    }
  }
  return Uint8Array.from(out)
}

/** The bytes inside a PEM-like armor, leniently (test-only). */
const dearmor = (file: Uint8Array): Uint8Array | undefined => {
  const text = new TextDecoder().decode(file)
  const match = /-----BEGIN AGE ENCRYPTED FILE-----\r?\n([\s\S]*?)-----END AGE ENCRYPTED FILE-----/.exec(text)
  if (match === null) return undefined
  return lenientBase64(match[1]!)
}

export interface CctvHeader {
  readonly stanzas: ReadonlyArray<Stanza>
  /** The header bytes the MAC covers: from the version line through `---`. */
  readonly macInput: Uint8Array
  readonly mac: Uint8Array
}

/** The header's stanzas, or undefined where it is not a well-formed one. */
export const readHeader = (vector: Pick<CctvVector, "file" | "armored">): CctvHeader | undefined => {
  const file = vector.armored ? dearmor(vector.file) : vector.file
  if (file === undefined) return undefined
  const text = new TextDecoder("latin1").decode(file)
  if (!text.startsWith("age-encryption.org/v1\n")) return undefined
  const stanzas: Array<Stanza> = []
  let at = "age-encryption.org/v1\n".length
  const line = () => {
    const nl = text.indexOf("\n", at)
    if (nl < 0) return undefined
    const l = text.slice(at, nl)
    at = nl + 1
    return l
  }
  for (;;) {
    const start = at
    const l = line()
    if (l === undefined) return undefined
    if (l.startsWith("--- ")) {
      const mac = decodeBase64(l.slice(4))
      if (mac === undefined || mac.length !== 32) return undefined
      return { stanzas, macInput: file.subarray(0, start + 3), mac }
    }
    if (!l.startsWith("-> ")) return undefined
    const [type, ...args] = l.slice(3).split(" ")
    if (type === undefined || type === "" || args.some((a) => a === "")) return undefined
    let b64 = ""
    for (;;) {
      const bodyLine = line()
      if (bodyLine === undefined || bodyLine.length > 64) return undefined
      b64 += bodyLine
      if (bodyLine.length < 64) break
    }
    const body = decodeBase64(b64)
    if (body === undefined) return undefined
    stanzas.push({ type, args, body })
  }
}

/** The header of an age file's bytes (not armored), or undefined. */
export const readAgeFile = (file: Uint8Array): CctvHeader | undefined => readHeader({ armored: false, file })

/** The header MAC check as the spec says it [§Header MAC]: HMAC-SHA-256 under HKDF(file key, "", "header"), compared in constant time. */
export const verifyMacOf = (header: CctvHeader) => (fileKey: Uint8Array): boolean => {
  const key = hkdf(sha256, fileKey, new Uint8Array(0), new TextEncoder().encode("header"), 32)
  return equalBytes(hmac(sha256, key, header.macInput), header.mac)
}
